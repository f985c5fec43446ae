#pragma once
// The admin token check (INTERFACE.md, "Admin API"): with admin.token set, mutating
// calls need "Authorization: Bearer TOKEN" (RFC 6750, section 2.1).
#include <string_view>

namespace fulcrum::admin {

// Whether the Authorization header value carries exactly `token` with the Bearer scheme
// (scheme name case-insensitive, RFC 7235 section 2.1). The token comparison takes the
// same time wherever the first difference is, so response timing does not reveal how
// much of a guess was right.
bool bearerTokenMatches(std::string_view authorization, std::string_view token);

// Equality of `a` and `b` in time that depends only on their lengths.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace fulcrum::admin
