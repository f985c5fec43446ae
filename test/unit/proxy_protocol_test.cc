// PROXY protocol v1/v2 writers and parser, checked byte for byte against
// HAProxy's doc/proxy-protocol.txt.
#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "lb/proxy/proxy_protocol.h"

namespace fulcrum {
namespace {

using namespace std::string_literals;

SocketAddress address(const std::string& host, uint16_t port) {
  auto parsed = SocketAddress::fromNumeric(host, port);
  REQUIRE(parsed);
  return *parsed;
}

std::string v1(const SocketAddress& source, const SocketAddress& destination) {
  std::array<char, kProxyV1MaxLength> buffer{};
  const size_t length = writeProxyV1(source, destination, buffer);
  return std::string(buffer.data(), length);
}

std::string v2(const SocketAddress& source, const SocketAddress& destination) {
  std::array<char, kProxyV2MaxLength> buffer{};
  const size_t length = writeProxyV2(source, destination, buffer);
  return std::string(buffer.data(), length);
}

ProxyParseResult parse(const std::string& bytes) { return parseProxyHeader(std::span<const char>(bytes)); }

const std::string kSignature = "\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A"s;

TEST_CASE("proxy protocol: v1 TCP4 line matches the specification's example", "[proxy_protocol]") {
  CHECK(v1(address("192.168.0.1", 56324), address("192.168.0.11", 443)) ==
        "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
}

TEST_CASE("proxy protocol: v1 TCP6 line uses compressed IPv6 text", "[proxy_protocol]") {
  CHECK(v1(address("2001:db8::1", 40000), address("2001:db8::2", 443)) ==
        "PROXY TCP6 2001:db8::1 2001:db8::2 40000 443\r\n");
}

TEST_CASE("proxy protocol: longest v1 TCP6 line is 104 bytes", "[proxy_protocol]") {
  const std::string all_ones = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string line = v1(address(all_ones, 65535), address(all_ones, 65535));
  CHECK(line == "PROXY TCP6 " + all_ones + " " + all_ones + " 65535 65535\r\n");
  CHECK(line.size() == 104);
}

TEST_CASE("proxy protocol: v1 with one IPv4 and one IPv6 end writes TCP6 with a mapped address",
          "[proxy_protocol]") {
  CHECK(v1(address("10.0.0.1", 1234), address("::1", 80)) == "PROXY TCP6 ::ffff:10.0.0.1 ::1 1234 80\r\n");
}

TEST_CASE("proxy protocol: v1 for an unsupported family is the UNKNOWN line", "[proxy_protocol]") {
  CHECK(v1(SocketAddress(), address("10.0.0.1", 80)) == "PROXY UNKNOWN\r\n");
}

TEST_CASE("proxy protocol: v2 TCP over IPv4 bytes", "[proxy_protocol]") {
  const std::string expected = kSignature +
                               "\x21\x11\x00\x0c"                   // v2 PROXY, TCP4, 12 bytes
                               "\xc0\xa8\x00\x01\xc0\xa8\x00\x0b"  // 192.168.0.1, 192.168.0.11
                               "\xdc\x04\x01\xbb"s;                // 56324, 443
  const std::string header = v2(address("192.168.0.1", 56324), address("192.168.0.11", 443));
  CHECK(header.size() == 28);
  CHECK(header == expected);
}

TEST_CASE("proxy protocol: v2 TCP over IPv6 bytes", "[proxy_protocol]") {
  const std::string expected = kSignature +
                               "\x21\x21\x00\x24"  // v2 PROXY, TCP6, 36 bytes
                               "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
                               "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02"
                               "\x9c\x40\x01\xbb"s;  // 40000, 443
  const std::string header = v2(address("2001:db8::1", 40000), address("2001:db8::2", 443));
  CHECK(header.size() == kProxyV2MaxLength);
  CHECK(header == expected);
}

TEST_CASE("proxy protocol: v2 with one IPv4 end maps it into IPv6", "[proxy_protocol]") {
  const std::string expected = kSignature + "\x21\x21\x00\x24"s +
                               "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x0a\x00\x00\x01"s +
                               "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"s + "\x04\xd2\x00\x50"s;
  CHECK(v2(address("10.0.0.1", 1234), address("::1", 80)) == expected);
}

TEST_CASE("proxy protocol: v2 for an unsupported family is UNSPEC without addresses", "[proxy_protocol]") {
  CHECK(v2(SocketAddress(), SocketAddress()) == kSignature + "\x21\x00\x00\x00"s);
}

TEST_CASE("proxy protocol: writers refuse a buffer shorter than the maximum", "[proxy_protocol]") {
  std::array<char, kProxyV1MaxLength - 1> small_v1{};
  std::array<char, kProxyV2MaxLength - 1> small_v2{};
  CHECK(writeProxyV1(address("1.2.3.4", 1), address("5.6.7.8", 2), small_v1) == 0);
  CHECK(writeProxyV2(address("1.2.3.4", 1), address("5.6.7.8", 2), small_v2) == 0);
}

TEST_CASE("proxy protocol: writeProxyHeader dispatches on the configured version", "[proxy_protocol]") {
  std::array<char, kProxyHeaderMaxLength> buffer{};
  const SocketAddress source = address("192.168.0.1", 56324);
  const SocketAddress destination = address("192.168.0.11", 443);
  CHECK(writeProxyHeader(config::ProxyProtocol::kNone, source, destination, buffer) == 0);
  CHECK(std::string(buffer.data(), writeProxyHeader(config::ProxyProtocol::kV1, source, destination, buffer)) ==
        v1(source, destination));
  CHECK(std::string(buffer.data(), writeProxyHeader(config::ProxyProtocol::kV2, source, destination, buffer)) ==
        v2(source, destination));
}

TEST_CASE("proxy protocol: v1 and v2 headers parse back to the same addresses", "[proxy_protocol]") {
  const std::vector<std::pair<SocketAddress, SocketAddress>> cases = {
      {address("192.168.0.1", 56324), address("192.168.0.11", 443)},
      {address("0.0.0.0", 0), address("255.255.255.255", 65535)},
      {address("2001:db8::1", 40000), address("2001:db8::2", 443)},
      {address("::", 0), address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535)},
  };
  for (const auto& [source, destination] : cases) {
    for (const std::string& header : {v1(source, destination), v2(source, destination)}) {
      INFO(source.toString() << " -> " << destination.toString() << ", " << header.size() << " bytes");
      const std::string followed = header + "GET / HTTP/1.1\r\n";
      const ProxyParseResult result = parse(followed);
      REQUIRE(result.status == ProxyParseStatus::kComplete);
      CHECK(result.header.version == (header.starts_with("PROXY") ? 1 : 2));
      CHECK(result.header.has_addresses);
      CHECK_FALSE(result.header.local);
      CHECK(result.header.length == header.size());
      CHECK(result.header.source.toString() == source.toString());
      CHECK(result.header.destination.toString() == destination.toString());
    }
  }
}

TEST_CASE("proxy protocol: every strict prefix of a header is incomplete", "[proxy_protocol]") {
  for (const std::string& header : {v1(address("192.168.0.1", 56324), address("192.168.0.11", 443)),
                                    v2(address("2001:db8::1", 40000), address("2001:db8::2", 443))}) {
    for (size_t length = 0; length < header.size(); ++length) {
      INFO("prefix of " << length << " bytes");
      CHECK(parse(header.substr(0, length)).status == ProxyParseStatus::kIncomplete);
    }
  }
}

TEST_CASE("proxy protocol: v1 UNKNOWN parses without addresses and ignores the rest of the line",
          "[proxy_protocol]") {
  for (const std::string line : {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff::1 ffff::2 65535 65535\r\n"}) {
    const ProxyParseResult result = parse(line + "data");
    REQUIRE(result.status == ProxyParseStatus::kComplete);
    CHECK(result.header.version == 1);
    CHECK_FALSE(result.header.has_addresses);
    CHECK(result.header.length == line.size());
  }
}

TEST_CASE("proxy protocol: v2 LOCAL parses without addresses and skips its address block", "[proxy_protocol]") {
  const std::string header = kSignature + "\x20\x11\x00\x0c"s + std::string(12, '\x7f');
  const ProxyParseResult result = parse(header + "after");
  REQUIRE(result.status == ProxyParseStatus::kComplete);
  CHECK(result.header.local);
  CHECK_FALSE(result.header.has_addresses);
  CHECK(result.header.length == 28);
}

TEST_CASE("proxy protocol: v2 length covers TLVs after the addresses", "[proxy_protocol]") {
  // A PP2_TYPE_AUTHORITY TLV (0x02) with "ab" after the IPv4 address block.
  const std::string header = kSignature + "\x21\x11\x00\x11"s + "\x0a\x00\x00\x01\x0a\x00\x00\x02\x04\xd2\x00\x50"s +
                             "\x02\x00\x02" "ab"s;
  const ProxyParseResult result = parse(header);
  REQUIRE(result.status == ProxyParseStatus::kComplete);
  CHECK(result.header.length == 16 + 17);
  CHECK(result.header.source.toString() == "10.0.0.1:1234");
  CHECK(result.header.destination.toString() == "10.0.0.2:80");
}

TEST_CASE("proxy protocol: v2 UDP over IPv4 is reported as datagram", "[proxy_protocol]") {
  const std::string header = kSignature + "\x21\x12\x00\x0c"s + "\x0a\x00\x00\x01\x0a\x00\x00\x02\x04\xd2\x00\x35"s;
  const ProxyParseResult result = parse(header);
  REQUIRE(result.status == ProxyParseStatus::kComplete);
  CHECK(result.header.datagram);
  CHECK(result.header.destination.toString() == "10.0.0.2:53");
}

TEST_CASE("proxy protocol: malformed v1 lines are rejected with a reason", "[proxy_protocol]") {
  const std::vector<std::string> malformed = {
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\n",        // LF without CR
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\rX",       // CR without LF
      "PROXY TCP4  192.168.0.1 192.168.0.11 56324 443\r\n",     // two spaces
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 \r\n",     // trailing space
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n",          // field missing
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 7\r\n",    // field too many
      "PROXY TCP4 192.168.00.1 192.168.0.11 56324 443\r\n",     // leading zero in address
      "PROXY TCP4 192.168.0.1 192.168.0.11 056324 443\r\n",     // leading zero in port
      "PROXY TCP4 192.168.0.1 192.168.0.11 65536 443\r\n",      // port out of range
      "PROXY TCP4 192.168.0.1 192.168.0.11 -1 443\r\n",         // negative port
      "PROXY TCP4 2001:db8::1 192.168.0.11 56324 443\r\n",      // address of the other family
      "PROXY TCP6 192.168.0.1 2001:db8::2 56324 443\r\n",       // address of the other family
      "PROXY TCP5 192.168.0.1 192.168.0.11 56324 443\r\n",      // unknown protocol
      "PROXY UNKNOWNX\r\n",                                      // not UNKNOWN
      "PROXY \r\n",                                              // no protocol
      "PROXY TCP4 " + std::string(100, '1') + "\r\n",            // no CRLF within 107 bytes
      "proxy TCP4 192.168.0.1 192.168.0.11 56324 443\r\n",      // not the signature
      "GET / HTTP/1.1\r\n",                                      // not a PROXY header at all
  };
  for (const std::string& line : malformed) {
    INFO(line);
    const ProxyParseResult result = parse(line);
    CHECK(result.status == ProxyParseStatus::kInvalid);
    CHECK(result.error != nullptr);
  }
}

TEST_CASE("proxy protocol: malformed v2 headers are rejected with a reason", "[proxy_protocol]") {
  const std::string ipv4_block = "\x0a\x00\x00\x01\x0a\x00\x00\x02\x04\xd2\x00\x50"s;
  const std::vector<std::string> malformed = {
      kSignature + "\x11\x11\x00\x0c"s + ipv4_block,                 // version 1 in the binary format
      kSignature + "\x31\x11\x00\x0c"s + ipv4_block,                 // version 3
      kSignature + "\x22\x11\x00\x0c"s + ipv4_block,                 // command 2
      kSignature + "\x21\x41\x00\x0c"s + ipv4_block,                 // family 4
      kSignature + "\x21\x13\x00\x0c"s + ipv4_block,                 // transport 3
      kSignature + "\x21\x11\x00\x04"s + ipv4_block.substr(0, 4),    // address block too short
      kSignature + "\x21\x21\x00\x0c"s + ipv4_block,                 // IPv6 with an IPv4-sized block
  };
  for (const std::string& header : malformed) {
    INFO("version/command 0x" << std::hex << int(uint8_t(header[12])) << " family 0x" << int(uint8_t(header[13])));
    const ProxyParseResult result = parse(header);
    CHECK(result.status == ProxyParseStatus::kInvalid);
    CHECK(result.error != nullptr);
  }
}

TEST_CASE("proxy protocol: a short v2 address block is rejected before the rest arrives", "[proxy_protocol]") {
  // Claims 4 address bytes for TCP over IPv4 (which needs 12) and sends none yet.
  CHECK(parse(kSignature + "\x21\x11\x00\x04"s).status == ProxyParseStatus::kInvalid);
}

}  // namespace
}  // namespace fulcrum
