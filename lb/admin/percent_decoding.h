#pragma once
// Percent-decoding of URI path segments (RFC 3986, section 2.1): "%5B%3A%3A1%5D%3A80"
// is "[::1]:80". Only "%XX" is special; "+" stays "+" in a path.
#include <optional>
#include <string>
#include <string_view>

namespace fulcrum::admin {

// The decoded text, or nullopt when a "%" is not followed by two hex digits.
std::optional<std::string> percentDecode(std::string_view text);

}  // namespace fulcrum::admin
