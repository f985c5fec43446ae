#pragma once
// The admin API of INTERFACE.md ("Admin API") independent of the HTTP transport: one
// request in, one response out. The civetweb glue (admin_server.h) only moves bytes.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lb/runtime/control.h"

namespace fulcrum::admin {

struct Request {
  std::string_view method;
  std::string_view path;           // as received: percent-encoded, without the query
  std::string_view authorization;  // the Authorization header; empty when absent
  std::string_view body;
  bool body_too_large = false;  // the transport stopped reading at Api::kMaxBodyBytes
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, WWW-Authenticate)
};

class Api {
 public:
  static constexpr size_t kMaxBodyBytes = 64 * 1024;
  // How long POST /api/v1/reload waits for the main loop's reload.
  static constexpr Duration kReloadTimeout = std::chrono::seconds(30);

  // `control` must outlive the Api. An empty token leaves every call open.
  Api(Control& control, std::string token);

  // Checks, in this order: the route (404, 405, 400 for a bad escape), the token for
  // mutating calls (401, nothing changes), the body size (413), the body (400), the
  // named objects (404). Errors are {"error":"…"}. Never throws; thread-safe.
  Response handle(const Request& request) const;

 private:
  Response dispatch(const Request& request) const;

  Control& control_;
  const std::string token_;
};

}  // namespace fulcrum::admin
