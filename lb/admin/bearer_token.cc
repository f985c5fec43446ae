#include "lb/admin/bearer_token.h"

#include <algorithm>
#include <cctype>

namespace fulcrum::admin {

bool constantTimeEquals(std::string_view a, std::string_view b) {
  // Walks the longer length in full and folds every difference into one accumulator,
  // with no early exit.
  const size_t length = std::max(a.size(), b.size());
  unsigned difference = a.size() == b.size() ? 0U : 1U;
  for (size_t i = 0; i < length; ++i) {
    const auto left = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto right = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    difference |= static_cast<unsigned>(left ^ right);
  }
  return difference == 0;
}

bool bearerTokenMatches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return false;
  }
  std::string_view credentials = authorization.substr(kScheme.size());
  if (credentials.front() != ' ') return false;
  while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
  while (!credentials.empty() && (credentials.back() == ' ' || credentials.back() == '\t')) {
    credentials.remove_suffix(1);
  }
  return constantTimeEquals(credentials, token);
}

}  // namespace fulcrum::admin
