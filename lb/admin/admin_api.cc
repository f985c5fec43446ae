#include "lb/admin/admin_api.h"

#include <exception>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "lb/admin/admin_routes.h"
#include "lb/admin/bearer_token.h"
#include "lb/admin/request_bodies.h"
#include "lb/admin/status_json.h"
#include "lb/metrics/control_collector.h"
#include "lb/metrics/exposition.h"
#include "lb/metrics/reported_state.h"

namespace fulcrum::admin {
namespace {

using nlohmann::json;

// Names in the answers come from the request and may be any bytes; invalid UTF-8 is
// replaced rather than thrown on.
std::string serialize(const json& document) {
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

Response jsonResponse(int status, const json& document) {
  Response response;
  response.status = status;
  response.body = serialize(document);
  return response;
}

Response errorResponse(int status, std::string message) {
  return jsonResponse(status, json{{"error", std::move(message)}});
}

Response textResponse(int status, std::string content_type, std::string body) {
  Response response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

// The 404 for an operation that named an unknown object.
Response unknownObject(Control::Outcome outcome, const Route& route, const std::string& pool) {
  switch (outcome) {
    case Control::Outcome::kUnknownPool: return errorResponse(404, "unknown pool " + quoted(pool));
    case Control::Outcome::kUnknownBackend:
      return errorResponse(404, "unknown backend " + quoted(route.backend) + " in pool " + quoted(route.pool));
    case Control::Outcome::kUnknownListener: return errorResponse(404, "unknown listener " + quoted(route.listener));
    case Control::Outcome::kOk: break;
  }
  return errorResponse(500, "unexpected outcome");
}

// The drained or enabled backend's state as the status call reports it.
std::string backendState(const Control& control, const Route& route) {
  const std::shared_ptr<const Topology> topology = control.topology();
  const std::shared_ptr<Pool> pool = topology->findPool(route.pool);
  if (!pool) return "unknown";
  const Backend* backend = pool->findBackend(route.backend);
  return backend != nullptr ? toString(reportedState(*pool, *backend)) : "unknown";
}

// 422 (RFC 9110, section 15.5.21): the request was fine, the config file it names is not.
Response reloadResponse(const ReloadResult& result) {
  if (result.ok) return jsonResponse(200, json{{"result", "success"}});
  const size_t count = result.errors.size();
  return jsonResponse(422, json{{"error", "reload failed; the running configuration is unchanged (" +
                                              std::to_string(count) + (count == 1 ? " error)" : " errors)")},
                                {"diagnostics", result.errors}});
}

}  // namespace

Api::Api(Control& control, std::string token) : control_(control), token_(std::move(token)) {}

Response Api::handle(const Request& request) const {
  try {
    return dispatch(request);
  } catch (const std::exception& error) {
    log::error("admin: {} request failed: {}", request.method, error.what());
    return errorResponse(500, "internal error");
  }
}

Response Api::dispatch(const Request& request) const {
  RouteMatch match = matchRoute(request.method, request.path);
  switch (match.outcome) {
    case RouteMatch::Outcome::kMatched: break;
    case RouteMatch::Outcome::kNotFound: return errorResponse(404, "no such endpoint");
    case RouteMatch::Outcome::kBadPath: return errorResponse(400, "malformed percent-encoding in the path");
    case RouteMatch::Outcome::kMethodNotAllowed: {
      Response response =
          errorResponse(405, std::string(request.method) + " is not allowed here; use " + match.allow);
      response.headers.emplace_back("Allow", match.allow);
      return response;
    }
  }
  const Route& route = match.route;
  if (isMutating(route.endpoint) && !token_.empty() && !bearerTokenMatches(request.authorization, token_)) {
    Response response = errorResponse(401, "this call needs \"Authorization: Bearer TOKEN\" with the admin token");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }
  if (request.body_too_large) {
    return errorResponse(413, "the body is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  }

  switch (route.endpoint) {
    case Endpoint::kMetrics:
      return textResponse(200, std::string(kExpositionContentType), renderExposition(ControlCollector(control_)));
    case Endpoint::kHealthz: return textResponse(200, "text/plain; charset=utf-8", "ok");
    case Endpoint::kReadyz:
      return control_.ready() ? textResponse(200, "text/plain; charset=utf-8", "ok")
                              : textResponse(503, "text/plain; charset=utf-8", "not ready");
    case Endpoint::kStatus: return jsonResponse(200, statusJson(*control_.topology(), FULCRUM_VERSION));
    case Endpoint::kSetReady: {
      std::string error;
      const std::optional<bool> ready = parseReadyBody(request.body, &error);
      if (!ready) return errorResponse(400, error);
      control_.setReady(*ready);
      log::info("admin: instance marked {} for the routers' rotation", *ready ? "ready" : "not ready");
      return jsonResponse(200, json{{"ready", *ready}});
    }
    case Endpoint::kDrainBackend:
    case Endpoint::kEnableBackend: {
      const bool drain = route.endpoint == Endpoint::kDrainBackend;
      const Control::Outcome outcome = drain ? control_.drainBackend(route.pool, route.backend)
                                             : control_.enableBackend(route.pool, route.backend);
      if (outcome != Control::Outcome::kOk) return unknownObject(outcome, route, route.pool);
      return jsonResponse(
          200, json{{"pool", route.pool}, {"backend", route.backend}, {"state", backendState(control_, route)}});
    }
    case Endpoint::kSwitchListenerPool: {
      std::string error;
      const std::optional<std::string> pool = parsePoolSwitchBody(request.body, &error);
      if (!pool) return errorResponse(400, error);
      const Control::Outcome outcome = control_.switchListenerPool(route.listener, *pool);
      if (outcome != Control::Outcome::kOk) return unknownObject(outcome, route, *pool);
      return jsonResponse(200, json{{"listener", route.listener}, {"pool", *pool}});
    }
    case Endpoint::kReload: return reloadResponse(control_.requestReload(kReloadTimeout));
  }
  return errorResponse(404, "no such endpoint");
}

}  // namespace fulcrum::admin
