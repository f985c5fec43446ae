#include "lb/admin/admin_routes.h"

#include <array>
#include <optional>
#include <vector>

#include "lb/admin/percent_decoding.h"

namespace fulcrum::admin {
namespace {

// A path pattern: literal segments, and "*" for a variable one (any non-empty text).
struct Pattern {
  Endpoint endpoint;
  std::string_view method;
  std::array<std::string_view, 7> segments;
  size_t segment_count;
};

constexpr std::array<Pattern, 9> kPatterns = {{
    {Endpoint::kMetrics, "GET", {"metrics"}, 1},
    {Endpoint::kHealthz, "GET", {"healthz"}, 1},
    {Endpoint::kReadyz, "GET", {"readyz"}, 1},
    {Endpoint::kStatus, "GET", {"api", "v1", "status"}, 3},
    {Endpoint::kSetReady, "POST", {"api", "v1", "ready"}, 3},
    {Endpoint::kDrainBackend, "POST", {"api", "v1", "pools", "*", "backends", "*", "drain"}, 7},
    {Endpoint::kEnableBackend, "POST", {"api", "v1", "pools", "*", "backends", "*", "enable"}, 7},
    {Endpoint::kSwitchListenerPool, "PUT", {"api", "v1", "listeners", "*", "pool"}, 5},
    {Endpoint::kReload, "POST", {"api", "v1", "reload"}, 3},
}};

// The decoded segments of "/a/b/c"; nullopt on a bad escape. An empty path, or one that
// does not start with "/", gives no segments at all (and so matches nothing).
std::optional<std::vector<std::string>> decodeSegments(std::string_view path) {
  std::vector<std::string> segments;
  if (path.empty() || path.front() != '/') return segments;
  size_t start = 1;
  while (true) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    std::optional<std::string> decoded = percentDecode(path.substr(start, end - start));
    if (!decoded) return std::nullopt;
    segments.push_back(std::move(*decoded));
    if (slash == std::string_view::npos) return segments;
    start = slash + 1;
  }
}

bool pathMatches(const Pattern& pattern, const std::vector<std::string>& segments) {
  if (segments.size() != pattern.segment_count) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (pattern.segments[i] == "*") {
      if (segments[i].empty()) return false;
    } else if (segments[i] != pattern.segments[i]) {
      return false;
    }
  }
  return true;
}

bool methodMatches(const Pattern& pattern, std::string_view method) {
  return method == pattern.method || (pattern.method == "GET" && method == "HEAD");
}

Route routeFor(const Pattern& pattern, std::vector<std::string>& segments) {
  Route route;
  route.endpoint = pattern.endpoint;
  if (pattern.endpoint == Endpoint::kDrainBackend || pattern.endpoint == Endpoint::kEnableBackend) {
    route.pool = std::move(segments[3]);
    route.backend = std::move(segments[5]);
  } else if (pattern.endpoint == Endpoint::kSwitchListenerPool) {
    route.listener = std::move(segments[3]);
  }
  return route;
}

}  // namespace

bool isMutating(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kMetrics:
    case Endpoint::kHealthz:
    case Endpoint::kReadyz:
    case Endpoint::kStatus: return false;
    case Endpoint::kSetReady:
    case Endpoint::kDrainBackend:
    case Endpoint::kEnableBackend:
    case Endpoint::kSwitchListenerPool:
    case Endpoint::kReload: return true;
  }
  return true;
}

RouteMatch matchRoute(std::string_view method, std::string_view path) {
  RouteMatch match;
  std::optional<std::vector<std::string>> segments = decodeSegments(path);
  if (!segments) {
    match.outcome = RouteMatch::Outcome::kBadPath;
    return match;
  }
  for (const Pattern& pattern : kPatterns) {
    if (!pathMatches(pattern, *segments)) continue;
    if (methodMatches(pattern, method)) {
      match.outcome = RouteMatch::Outcome::kMatched;
      match.route = routeFor(pattern, *segments);
      return match;
    }
    // Patterns do not overlap, so this path has exactly one method.
    match.outcome = RouteMatch::Outcome::kMethodNotAllowed;
    match.allow = pattern.method == "GET" ? "GET, HEAD" : std::string(pattern.method);
    return match;
  }
  match.outcome = RouteMatch::Outcome::kNotFound;
  return match;
}

}  // namespace fulcrum::admin
