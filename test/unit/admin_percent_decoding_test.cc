// Percent-decoding of admin path segments (lb/admin/percent_decoding.h, RFC 3986 2.1).
#include <catch2/catch.hpp>

#include "lb/admin/percent_decoding.h"

namespace fulcrum::admin {
namespace {

TEST_CASE("percentDecode turns an encoded IPv6 backend address back into its configured text", "[admin]") {
  CHECK(percentDecode("%5B%3A%3A1%5D%3A80") == std::optional<std::string>("[::1]:80"));
  CHECK(percentDecode("%5b%3a%3a1%5d%3a80") == std::optional<std::string>("[::1]:80"));
}

TEST_CASE("percentDecode leaves text without escapes as it is, plus signs included", "[admin]") {
  CHECK(percentDecode("10.0.0.1:8080") == std::optional<std::string>("10.0.0.1:8080"));
  CHECK(percentDecode("a+b") == std::optional<std::string>("a+b"));
  CHECK(percentDecode("") == std::optional<std::string>(""));
}

TEST_CASE("percentDecode decodes any byte, NUL and non-ASCII included", "[admin]") {
  CHECK(percentDecode("%00%FF%2F") == std::optional<std::string>(std::string("\0\xff/", 3)));
}

TEST_CASE("percentDecode rejects a percent sign without two hex digits", "[admin]") {
  CHECK_FALSE(percentDecode("%"));
  CHECK_FALSE(percentDecode("abc%4"));
  CHECK_FALSE(percentDecode("%zz"));
  CHECK_FALSE(percentDecode("%4g"));
  CHECK_FALSE(percentDecode("%%41"));
}

}  // namespace
}  // namespace fulcrum::admin
