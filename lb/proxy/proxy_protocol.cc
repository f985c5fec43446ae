#include "lb/proxy/proxy_protocol.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string_view>

namespace fulcrum {
namespace {

// Section 2.2: "\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A". It holds a NUL byte,
// so it is never handled as a C string.
constexpr std::array<char, 12> kV2Signature = {'\r', '\n', '\r', '\n', '\0', '\r',
                                               '\n', 'Q',  'U',  'I',  'T',  '\n'};
constexpr size_t kV2FixedLength = 16;
constexpr uint8_t kV2VersionProxy = 0x21;  // version 2, command PROXY
constexpr uint8_t kV2TcpOverIpv4 = 0x11;   // AF_INET, STREAM
constexpr uint8_t kV2TcpOverIpv6 = 0x21;   // AF_INET6, STREAM
constexpr uint8_t kV2Unspecified = 0x00;
constexpr size_t kV2UnixAddressLength = 108;

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::string_view kV1Unknown = "PROXY UNKNOWN\r\n";

enum class Family { kIpv4, kIpv6, kUnsupported };

// The family both ends are written in: IPv4 only when both are IPv4.
Family headerFamily(const SocketAddress& source, const SocketAddress& destination) {
  const auto supported = [](const SocketAddress& address) {
    return address.family() == AF_INET || address.family() == AF_INET6;
  };
  if (!supported(source) || !supported(destination)) return Family::kUnsupported;
  if (source.family() == AF_INET && destination.family() == AF_INET) return Family::kIpv4;
  return Family::kIpv6;
}

// The address as 16 bytes; IPv4 becomes ::ffff:a.b.c.d (RFC 4291 section 2.5.5.2).
std::array<uint8_t, 16> ipv6Bytes(const SocketAddress& address) {
  std::array<uint8_t, 16> bytes{};
  const std::string_view ip = address.ipBytes();
  if (ip.size() == 16) {
    std::memcpy(bytes.data(), ip.data(), 16);
  } else {
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    std::memcpy(bytes.data() + 12, ip.data(), 4);
  }
  return bytes;
}

// Appends without bounds checks: callers have checked the buffer against the maximum.
class Writer {
 public:
  explicit Writer(char* out) : out_(out) {}
  void text(std::string_view text) {
    std::memcpy(out_ + length_, text.data(), text.size());
    length_ += text.size();
  }
  void byte(uint8_t value) { out_[length_++] = static_cast<char>(value); }
  void bytes(const void* data, size_t count) {
    std::memcpy(out_ + length_, data, count);
    length_ += count;
  }
  void bigEndian16(uint16_t value) {
    byte(static_cast<uint8_t>(value >> 8));
    byte(static_cast<uint8_t>(value & 0xff));
  }
  void decimal(uint16_t value) {
    const auto result = std::to_chars(out_ + length_, out_ + length_ + 5, value);
    length_ = static_cast<size_t>(result.ptr - out_);
  }
  size_t length() const { return length_; }

 private:
  char* out_;
  size_t length_ = 0;
};

// inet_ntop writes the canonical forms section 2.1 asks for: dotted decimal without
// leading zeros, and IPv6 with the longest run of zero groups compressed.
void writeTextAddress(Writer& writer, int family, const void* address_bytes) {
  char text[INET6_ADDRSTRLEN];
  ::inet_ntop(family, address_bytes, text, sizeof(text));
  writer.text(text);
}

// ---- parsing ----

ProxyParseResult invalid(const char* reason) {
  ProxyParseResult result;
  result.status = ProxyParseStatus::kInvalid;
  result.error = reason;
  return result;
}

ProxyParseResult incomplete() {
  ProxyParseResult result;
  result.status = ProxyParseStatus::kIncomplete;
  return result;
}

bool isPrefixOf(std::span<const char> input, std::string_view whole) {
  const size_t count = std::min(input.size(), whole.size());
  return std::memcmp(input.data(), whole.data(), count) == 0;
}

// Splits the line at every space, so that a doubled, leading or trailing space shows up
// as an empty field. Returns the number of fields, or fields.size() + 1 when there are
// more than fit.
template <size_t N>
size_t splitAtSpaces(std::string_view line, std::array<std::string_view, N>& fields) {
  size_t count = 0;
  while (true) {
    if (count == N) return N + 1;
    const size_t space = line.find(' ');
    fields[count++] = line.substr(0, space);
    if (space == std::string_view::npos) return count;
    line.remove_prefix(space + 1);
  }
}

// A decimal port in [0, 65535] without leading zeros (section 2.1).
bool parsePort(std::string_view text, uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  if (text.size() > 1 && text.front() == '0') return false;
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

// Section 2.1 forbids leading zeros in IPv4 components ("avoid any possible confusion
// with octal numbers"); checked here rather than trusting every inet_pton to.
bool hasLeadingZeroComponent(std::string_view ipv4) {
  for (size_t at = 0; at < ipv4.size(); ++at) {
    const bool component_start = at == 0 || ipv4[at - 1] == '.';
    if (component_start && ipv4[at] == '0' && at + 1 < ipv4.size() && ipv4[at + 1] != '.') return true;
  }
  return false;
}

bool parseTextAddress(std::string_view text, int family, uint16_t port, SocketAddress& address) {
  char terminated[INET6_ADDRSTRLEN];
  if (text.size() >= sizeof(terminated)) return false;
  std::memcpy(terminated, text.data(), text.size());
  terminated[text.size()] = '\0';
  if (family == AF_INET) {
    if (hasLeadingZeroComponent(text)) return false;
    sockaddr_in v4{};
    if (::inet_pton(AF_INET, terminated, &v4.sin_addr) != 1) return false;
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    address = SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4));
    return true;
  }
  sockaddr_in6 v6{};
  if (::inet_pton(AF_INET6, terminated, &v6.sin6_addr) != 1) return false;
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(port);
  address = SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&v6), sizeof(v6));
  return true;
}

ProxyParseResult parseV1(std::span<const char> input) {
  // The receiver must see CRLF within the first 107 bytes and must not accept a lone CR
  // or LF as the end of the line (section 2.1).
  const size_t window = std::min(input.size(), kProxyV1MaxLength);
  size_t line_end = 0;
  for (;; ++line_end) {
    if (line_end == window) {
      if (input.size() >= kProxyV1MaxLength) return invalid("v1 header has no CRLF in its first 107 bytes");
      return incomplete();
    }
    const char c = input[line_end];
    if (c == '\n') return invalid("v1 header line ends with LF without CR");
    if (c != '\r') continue;
    // A CR in the 107th byte would put the LF in the 108th: too long however it goes on.
    if (line_end + 1 == kProxyV1MaxLength) return invalid("v1 header has no CRLF in its first 107 bytes");
    if (line_end + 1 == input.size()) return incomplete();
    if (input[line_end + 1] != '\n') return invalid("v1 header line has CR without LF");
    break;
  }
  const std::string_view line(input.data(), line_end);
  ProxyParseResult result;
  result.header.version = 1;
  result.header.length = line_end + 2;
  // For UNKNOWN the receiver ignores the rest of the line.
  constexpr std::string_view kUnknown = "PROXY UNKNOWN";
  if (line.starts_with(kUnknown) && (line.size() == kUnknown.size() || line[kUnknown.size()] == ' ')) {
    result.status = ProxyParseStatus::kComplete;
    return result;
  }
  // "PROXY" protocol source destination source-port destination-port
  std::array<std::string_view, 6> fields;
  const size_t count = splitAtSpaces(line, fields);
  if (count < 2 || (fields[1] != "TCP4" && fields[1] != "TCP6")) {
    return invalid("v1 header protocol is not TCP4, TCP6 or UNKNOWN");
  }
  const int family = fields[1] == "TCP4" ? AF_INET : AF_INET6;
  if (count != fields.size() || std::any_of(fields.begin(), fields.end(), [](auto f) { return f.empty(); })) {
    return invalid("v1 header does not have exactly four single-space separated fields after the protocol");
  }
  const std::string_view source_text = fields[2], destination_text = fields[3];
  const std::string_view source_port_text = fields[4], destination_port_text = fields[5];
  uint16_t source_port = 0, destination_port = 0;
  if (!parsePort(source_port_text, source_port) || !parsePort(destination_port_text, destination_port)) {
    return invalid("v1 header port is not a decimal number in 0..65535 without leading zeros");
  }
  if (!parseTextAddress(source_text, family, source_port, result.header.source) ||
      !parseTextAddress(destination_text, family, destination_port, result.header.destination)) {
    return invalid("v1 header address is not a canonical address of the announced family");
  }
  result.header.has_addresses = true;
  result.status = ProxyParseStatus::kComplete;
  return result;
}

SocketAddress addressFromBinary(int family, const uint8_t* ip, const uint8_t* port_bytes) {
  const uint16_t port = static_cast<uint16_t>((port_bytes[0] << 8) | port_bytes[1]);
  if (family == AF_INET) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    std::memcpy(&v4.sin_addr, ip, 4);
    return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4));
  }
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(port);
  std::memcpy(&v6.sin6_addr, ip, 16);
  return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&v6), sizeof(v6));
}

ProxyParseResult parseV2(std::span<const char> input) {
  if (input.size() < kV2FixedLength) return incomplete();
  const auto* bytes = reinterpret_cast<const uint8_t*>(input.data());
  const uint8_t version_command = bytes[12];
  const uint8_t family_transport = bytes[13];
  const size_t address_length = static_cast<size_t>((bytes[14] << 8) | bytes[15]);
  if ((version_command >> 4) != 2) return invalid("v2 header version is not 2");
  const uint8_t command = version_command & 0x0f;
  if (command > 1) return invalid("v2 header command is neither LOCAL nor PROXY");
  const uint8_t family = family_transport >> 4;
  const uint8_t transport = family_transport & 0x0f;
  if (family > 3) return invalid("v2 header address family is not UNSPEC, INET, INET6 or UNIX");
  if (transport > 2) return invalid("v2 header transport is not UNSPEC, STREAM or DGRAM");
  // Checked before waiting for the rest, so a short address block is reported at once.
  size_t needed = 0;
  if (family == 1) needed = 2 * 4 + 2 * 2;
  if (family == 2) needed = 2 * 16 + 2 * 2;
  if (family == 3) needed = 2 * kV2UnixAddressLength;
  if (command == 1 && transport != 0 && address_length < needed) {
    return invalid("v2 header address length is too short for its address family");
  }
  if (input.size() < kV2FixedLength + address_length) return incomplete();

  ProxyParseResult result;
  result.status = ProxyParseStatus::kComplete;
  result.header.version = 2;
  // The length covers the addresses and any TLVs after them; receivers skip all of it.
  result.header.length = kV2FixedLength + address_length;
  result.header.local = command == 0;
  result.header.datagram = transport == 2;
  // LOCAL: "discard the protocol block including the family". UNSPEC: "ignore address
  // information". AF_UNIX paths do not fit a SocketAddress of ours and are skipped.
  if (result.header.local || transport == 0 || (family != 1 && family != 2)) return result;
  const uint8_t* block = bytes + kV2FixedLength;
  const size_t ip_length = family == 1 ? 4 : 16;
  const int socket_family = family == 1 ? AF_INET : AF_INET6;
  result.header.source = addressFromBinary(socket_family, block, block + 2 * ip_length);
  result.header.destination = addressFromBinary(socket_family, block + ip_length, block + 2 * ip_length + 2);
  result.header.has_addresses = true;
  return result;
}

}  // namespace

size_t writeProxyV1(const SocketAddress& source, const SocketAddress& destination, std::span<char> out) {
  if (out.size() < kProxyV1MaxLength) return 0;
  Writer writer(out.data());
  const Family family = headerFamily(source, destination);
  if (family == Family::kUnsupported) {
    writer.text(kV1Unknown);
    return writer.length();
  }
  writer.text(kV1Prefix);
  if (family == Family::kIpv4) {
    writer.text("TCP4 ");
    writeTextAddress(writer, AF_INET, source.ipBytes().data());
    writer.byte(' ');
    writeTextAddress(writer, AF_INET, destination.ipBytes().data());
  } else {
    writer.text("TCP6 ");
    writeTextAddress(writer, AF_INET6, ipv6Bytes(source).data());
    writer.byte(' ');
    writeTextAddress(writer, AF_INET6, ipv6Bytes(destination).data());
  }
  writer.byte(' ');
  writer.decimal(source.port());
  writer.byte(' ');
  writer.decimal(destination.port());
  writer.text("\r\n");
  return writer.length();
}

size_t writeProxyV2(const SocketAddress& source, const SocketAddress& destination, std::span<char> out) {
  if (out.size() < kProxyV2MaxLength) return 0;
  Writer writer(out.data());
  writer.bytes(kV2Signature.data(), kV2Signature.size());
  writer.byte(kV2VersionProxy);
  switch (headerFamily(source, destination)) {
    case Family::kUnsupported:
      writer.byte(kV2Unspecified);
      writer.bigEndian16(0);
      break;
    case Family::kIpv4:
      writer.byte(kV2TcpOverIpv4);
      writer.bigEndian16(2 * 4 + 2 * 2);
      writer.bytes(source.ipBytes().data(), 4);
      writer.bytes(destination.ipBytes().data(), 4);
      writer.bigEndian16(source.port());
      writer.bigEndian16(destination.port());
      break;
    case Family::kIpv6:
      writer.byte(kV2TcpOverIpv6);
      writer.bigEndian16(2 * 16 + 2 * 2);
      writer.bytes(ipv6Bytes(source).data(), 16);
      writer.bytes(ipv6Bytes(destination).data(), 16);
      writer.bigEndian16(source.port());
      writer.bigEndian16(destination.port());
      break;
  }
  return writer.length();
}

size_t writeProxyHeader(config::ProxyProtocol version, const SocketAddress& source,
                        const SocketAddress& destination, std::span<char> out) {
  switch (version) {
    case config::ProxyProtocol::kV1:
      return writeProxyV1(source, destination, out);
    case config::ProxyProtocol::kV2:
      return writeProxyV2(source, destination, out);
    case config::ProxyProtocol::kNone:
      break;
  }
  return 0;
}

ProxyParseResult parseProxyHeader(std::span<const char> input) {
  if (input.empty()) return incomplete();
  const std::string_view signature(kV2Signature.data(), kV2Signature.size());
  if (isPrefixOf(input, signature)) {
    if (input.size() < signature.size()) return incomplete();
    return parseV2(input);
  }
  if (isPrefixOf(input, kV1Prefix)) {
    if (input.size() < kV1Prefix.size()) return incomplete();
    return parseV1(input);
  }
  return invalid("input does not start with a PROXY protocol v1 or v2 signature");
}

}  // namespace fulcrum
