#pragma once
// Routing of admin requests (INTERFACE.md, "Admin API"): which endpoint a method and a
// request path name, with the path's {pool}, {address} and {listener} segments
// percent-decoded. Pure functions: no I/O, no Control, safe on any input.
#include <string>
#include <string_view>

namespace fulcrum::admin {

enum class Endpoint {
  kMetrics,             // GET /metrics
  kHealthz,             // GET /healthz
  kReadyz,              // GET /readyz
  kStatus,              // GET /api/v1/status
  kSetReady,            // POST /api/v1/ready
  kDrainBackend,        // POST /api/v1/pools/{pool}/backends/{address}/drain
  kEnableBackend,       // POST /api/v1/pools/{pool}/backends/{address}/enable
  kSwitchListenerPool,  // PUT /api/v1/listeners/{listener}/pool
  kReload,              // POST /api/v1/reload
};

// Whether the endpoint changes state (and so needs the bearer token when one is set).
bool isMutating(Endpoint endpoint);

struct Route {
  Endpoint endpoint = Endpoint::kMetrics;
  std::string pool;      // kDrainBackend, kEnableBackend
  std::string backend;   // kDrainBackend, kEnableBackend: the configured address string
  std::string listener;  // kSwitchListenerPool
};

struct RouteMatch {
  enum class Outcome {
    kMatched,
    kNotFound,          // 404: no endpoint has this path
    kMethodNotAllowed,  // 405: the path exists, the method does not
    kBadPath,           // 400: a malformed percent escape
  };
  Outcome outcome = Outcome::kNotFound;
  Route route;        // kMatched
  std::string allow;  // kMethodNotAllowed: the Allow header ("GET, HEAD", "POST", "PUT")
};

// `path` is the request target's path as received: percent-encoded, without the query.
// GET endpoints also answer HEAD.
RouteMatch matchRoute(std::string_view method, std::string_view path);

}  // namespace fulcrum::admin
