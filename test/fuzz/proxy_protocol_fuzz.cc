// The PROXY protocol (lb/proxy/proxy_protocol.h, HAProxy's doc/proxy-protocol.txt), two
// ways, chosen by the first input byte:
// - round trip: fuzz-chosen families, addresses and ports are written as v1 and v2
//   headers, and the strict parser gives back the same addresses (IPv4 mixed with IPv6
//   as IPv4-mapped IPv6, any other family as UNKNOWN / UNSPEC);
// - arbitrary bytes into the parser: never a crash or a read past the input, and a
//   consistent answer (a complete header lies within the input; each of its prefixes is
//   incomplete, not invalid).
#include <fuzzer/FuzzedDataProvider.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "common/socket_address.h"
#include "lb/proxy/proxy_protocol.h"
#include "test/fuzz/fuzz_check.h"

namespace fulcrum {
namespace {

// An IPv4, IPv6 or (as a stand-in for any other family) AF_UNIX or empty address.
SocketAddress consumeAddress(FuzzedDataProvider& input) {
  const uint16_t port = input.ConsumeIntegral<uint16_t>();
  switch (input.ConsumeIntegralInRange(0, 3)) {
    case 0: {
      sockaddr_in v4{};
      v4.sin_family = AF_INET;
      v4.sin_port = htons(port);
      v4.sin_addr.s_addr = input.ConsumeIntegral<uint32_t>();
      return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4));
    }
    case 1: {
      sockaddr_in6 v6{};
      v6.sin6_family = AF_INET6;
      v6.sin6_port = htons(port);
      const std::vector<uint8_t> bytes = input.ConsumeBytes<uint8_t>(16);
      std::copy(bytes.begin(), bytes.end(), v6.sin6_addr.s6_addr);
      v6.sin6_scope_id = input.ConsumeIntegral<uint32_t>();  // not carried by PROXY headers
      return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&v6), sizeof(v6));
    }
    case 2: {
      sockaddr unix_address{};
      unix_address.sa_family = AF_UNIX;
      return SocketAddress::fromSockaddr(&unix_address, sizeof(sa_family_t));
    }
    default: return SocketAddress();
  }
}

bool isIp(const SocketAddress& address) { return address.family() == AF_INET || address.family() == AF_INET6; }

// The address as 16 bytes, IPv4 as IPv4-mapped IPv6 (RFC 4291, section 2.5.5.2).
std::array<uint8_t, 16> mappedBytes(const SocketAddress& address) {
  std::array<uint8_t, 16> bytes{};
  const std::string_view ip = address.ipBytes();
  if (ip.size() == 16) {
    std::memcpy(bytes.data(), ip.data(), 16);
  } else {
    bytes[10] = bytes[11] = 0xff;
    std::memcpy(bytes.data() + 12, ip.data(), 4);
  }
  return bytes;
}

// Whether `decoded` is `original` as a header carries it: the same family when both
// ends were IPv4, otherwise IPv6; the same address bytes and port.
bool sameEndpoint(const SocketAddress& original, const SocketAddress& decoded, bool both_ipv4) {
  if (decoded.family() != (both_ipv4 ? AF_INET : AF_INET6)) return false;
  if (decoded.port() != original.port()) return false;
  if (both_ipv4) return decoded.ipBytes() == original.ipBytes();
  return mappedBytes(decoded) == mappedBytes(original);
}

// Every prefix of a complete header is "read more", never "invalid".
void checkPrefixesIncomplete(std::span<const char> header, size_t length) {
  const auto check = [&](size_t prefix) {
    FUZZ_CHECK(parseProxyHeader(header.first(prefix)).status == ProxyParseStatus::kIncomplete);
  };
  if (length <= 2 * kProxyV1MaxLength) {
    for (size_t prefix = 0; prefix < length; ++prefix) check(prefix);
  } else {  // a long v2 TLV area: the interesting cut points only
    for (size_t prefix : {size_t{0}, size_t{1}, size_t{12}, size_t{15}, size_t{16}, length / 2, length - 1}) {
      check(prefix);
    }
  }
}

void roundTrip(FuzzedDataProvider& input) {
  const SocketAddress source = consumeAddress(input);
  const SocketAddress destination = consumeAddress(input);
  const bool supported = isIp(source) && isIp(destination);
  const bool both_ipv4 = source.family() == AF_INET && destination.family() == AF_INET;

  std::array<char, kProxyHeaderMaxLength> buffer{};
  for (const int version : {1, 2}) {
    const size_t written = version == 1 ? writeProxyV1(source, destination, buffer)
                                        : writeProxyV2(source, destination, buffer);
    FUZZ_CHECK(written > 0 && written <= (version == 1 ? kProxyV1MaxLength : kProxyV2MaxLength));
    const std::vector<char> header(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(written));
    const ProxyParseResult parsed = parseProxyHeader(header);
    FUZZ_CHECK(parsed.status == ProxyParseStatus::kComplete);
    FUZZ_CHECK(parsed.header.version == version);
    FUZZ_CHECK(parsed.header.length == written);
    FUZZ_CHECK(!parsed.header.local && !parsed.header.datagram);
    FUZZ_CHECK(parsed.header.has_addresses == supported);
    if (supported) {
      FUZZ_CHECK(sameEndpoint(source, parsed.header.source, both_ipv4));
      FUZZ_CHECK(sameEndpoint(destination, parsed.header.destination, both_ipv4));
    }
    checkPrefixesIncomplete(header, written);
  }
}

void parseArbitrary(FuzzedDataProvider& input) {
  // A heap copy of exactly the remaining bytes, so ASan catches a read past the end.
  const std::vector<char> bytes = input.ConsumeRemainingBytes<char>();
  const ProxyParseResult parsed = parseProxyHeader(bytes);
  switch (parsed.status) {
    case ProxyParseStatus::kComplete:
      FUZZ_CHECK(parsed.header.version == 1 || parsed.header.version == 2);
      FUZZ_CHECK(parsed.header.length > 0 && parsed.header.length <= bytes.size());
      if (parsed.header.version == 1) FUZZ_CHECK(parsed.header.length <= kProxyV1MaxLength);
      if (parsed.header.has_addresses) {
        FUZZ_CHECK(isIp(parsed.header.source) && parsed.header.source.family() == parsed.header.destination.family());
      }
      checkPrefixesIncomplete(bytes, parsed.header.length);
      break;
    case ProxyParseStatus::kInvalid: FUZZ_CHECK(parsed.error != nullptr && parsed.error[0] != '\0'); break;
    case ProxyParseStatus::kIncomplete: break;
  }
}

}  // namespace
}  // namespace fulcrum

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  if (input.ConsumeBool()) {
    fulcrum::roundTrip(input);
  } else {
    fulcrum::parseArbitrary(input);
  }
  return 0;
}
