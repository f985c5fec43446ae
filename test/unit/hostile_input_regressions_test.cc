// Inputs that the fuzz targets (test/fuzz) or the hostile-input tests
// (test/integration/admin_hostile_input_test.cc) found mishandled, kept byte for byte so
// that each fix stays in place.
#include <catch2/catch.hpp>

#include <span>
#include <string>

#include "lb/admin/request_bodies.h"
#include "lb/proxy/proxy_protocol.h"

namespace fulcrum {
namespace {

using namespace std::string_literals;

// proxy_protocol_fuzz: a v1 line whose CR is the 107th byte, so that its LF is the
// 108th, was accepted although HAProxy's doc/proxy-protocol.txt (section 2.1) caps the
// line at 107 bytes, CRLF included.
TEST_CASE("fuzz regression: a 108-byte PROXY v1 line is rejected", "[fuzz_regression][proxy_protocol]") {
  const std::string input = "PROXY UNKNOWN \xe9"s + std::string(88, '\xec') + "zTf\r\n\0\0"s;
  REQUIRE(input.size() == 110);
  const ProxyParseResult parsed = parseProxyHeader(std::span<const char>(input));
  CHECK(parsed.status == ProxyParseStatus::kInvalid);
  CHECK(std::string(parsed.error) == "v1 header has no CRLF in its first 107 bytes");
}

TEST_CASE("fuzz regression: a 107-byte PROXY v1 line is still accepted", "[fuzz_regression][proxy_protocol]") {
  const std::string input = "PROXY UNKNOWN " + std::string(91, 'x') + "\r\n";
  REQUIRE(input.size() == kProxyV1MaxLength);
  const ProxyParseResult parsed = parseProxyHeader(std::span<const char>(input));
  CHECK(parsed.status == ProxyParseStatus::kComplete);
  CHECK(parsed.header.length == kProxyV1MaxLength);
}

TEST_CASE("fuzz regression: 107 bytes ending in CR are invalid, not incomplete", "[fuzz_regression][proxy_protocol]") {
  const std::string input = "PROXY UNKNOWN " + std::string(92, 'x') + "\r";
  REQUIRE(input.size() == kProxyV1MaxLength);
  CHECK(parseProxyHeader(std::span<const char>(input)).status == ProxyParseStatus::kInvalid);
}

// admin_hostile_input_test: nlohmann's parser stops at a NUL byte, so a valid body
// followed by NUL and junk was accepted.
TEST_CASE("hostile input regression: a JSON body with a NUL byte is invalid", "[admin][hostile]") {
  std::string error;
  CHECK_FALSE(admin::parseReadyBody("{\"ready\":true}\0garbage"s, &error));
  CHECK(error == "the body is not valid JSON");
  error.clear();
  CHECK_FALSE(admin::parsePoolSwitchBody("{\"pool\":\"green\"}\0"s, &error));
  CHECK(error == "the body is not valid JSON");
}

}  // namespace
}  // namespace fulcrum
