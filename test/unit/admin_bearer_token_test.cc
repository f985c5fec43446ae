// The admin token check (lb/admin/bearer_token.h; RFC 6750 section 2.1).
#include <catch2/catch.hpp>

#include "lb/admin/bearer_token.h"

namespace fulcrum::admin {
namespace {

TEST_CASE("the Bearer scheme with the exact token matches, scheme in any case", "[admin]") {
  CHECK(bearerTokenMatches("Bearer s3cret", "s3cret"));
  CHECK(bearerTokenMatches("bearer s3cret", "s3cret"));
  CHECK(bearerTokenMatches("BEARER s3cret", "s3cret"));
  CHECK(bearerTokenMatches("Bearer   s3cret  ", "s3cret"));
}

TEST_CASE("a wrong, shorter, longer or differently cased token does not match", "[admin]") {
  CHECK_FALSE(bearerTokenMatches("Bearer wrong", "s3cret"));
  CHECK_FALSE(bearerTokenMatches("Bearer s3cre", "s3cret"));
  CHECK_FALSE(bearerTokenMatches("Bearer s3crett", "s3cret"));
  CHECK_FALSE(bearerTokenMatches("Bearer S3CRET", "s3cret"));
  CHECK_FALSE(bearerTokenMatches("Bearer s3cret x", "s3cret"));
}

TEST_CASE("another scheme, a missing scheme or an empty header does not match", "[admin]") {
  CHECK_FALSE(bearerTokenMatches("", "s3cret"));
  CHECK_FALSE(bearerTokenMatches("s3cret", "s3cret"));
  CHECK_FALSE(bearerTokenMatches("Basic s3cret", "s3cret"));
  CHECK_FALSE(bearerTokenMatches("Bearer", "s3cret"));
  CHECK_FALSE(bearerTokenMatches("Bearer ", "s3cret"));
  CHECK_FALSE(bearerTokenMatches("Bearers3cret", "s3cret"));
  CHECK_FALSE(bearerTokenMatches("Bearer\ts3cret", "s3cret"));
}

TEST_CASE("constantTimeEquals compares content and length", "[admin]") {
  CHECK(constantTimeEquals("", ""));
  CHECK(constantTimeEquals("abc", "abc"));
  CHECK_FALSE(constantTimeEquals("abc", "abd"));
  CHECK_FALSE(constantTimeEquals("abc", "ab"));
  CHECK_FALSE(constantTimeEquals("ab", "abc"));
  // A shorter string padded with NULs must still differ.
  CHECK_FALSE(constantTimeEquals("ab", std::string_view("ab\0", 3)));
}

}  // namespace
}  // namespace fulcrum::admin
