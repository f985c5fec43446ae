// Routing of admin requests (lb/admin/admin_routes.h; INTERFACE.md "Admin API").
#include <catch2/catch.hpp>

#include "lb/admin/admin_routes.h"

namespace fulcrum::admin {
namespace {

using Outcome = RouteMatch::Outcome;

TEST_CASE("every GET endpoint answers GET and HEAD", "[admin]") {
  const std::vector<std::pair<std::string, Endpoint>> endpoints = {
      {"/metrics", Endpoint::kMetrics},
      {"/healthz", Endpoint::kHealthz},
      {"/readyz", Endpoint::kReadyz},
      {"/api/v1/status", Endpoint::kStatus},
  };
  for (const auto& [path, endpoint] : endpoints) {
    for (const char* method : {"GET", "HEAD"}) {
      INFO(method << " " << path);
      const RouteMatch match = matchRoute(method, path);
      REQUIRE(match.outcome == Outcome::kMatched);
      CHECK(match.route.endpoint == endpoint);
      CHECK_FALSE(isMutating(endpoint));
    }
  }
}

TEST_CASE("the drain route decodes a percent-encoded IPv6 backend address", "[admin]") {
  const RouteMatch match = matchRoute("POST", "/api/v1/pools/blue/backends/%5B%3A%3A1%5D%3A80/drain");
  REQUIRE(match.outcome == Outcome::kMatched);
  CHECK(match.route.endpoint == Endpoint::kDrainBackend);
  CHECK(match.route.pool == "blue");
  CHECK(match.route.backend == "[::1]:80");
  CHECK(isMutating(Endpoint::kDrainBackend));
}

TEST_CASE("the enable route takes an unencoded IPv4 backend address", "[admin]") {
  const RouteMatch match = matchRoute("POST", "/api/v1/pools/blue/backends/10.0.0.11:8080/enable");
  REQUIRE(match.outcome == Outcome::kMatched);
  CHECK(match.route.endpoint == Endpoint::kEnableBackend);
  CHECK(match.route.pool == "blue");
  CHECK(match.route.backend == "10.0.0.11:8080");
}

TEST_CASE("the listener pool route takes PUT and names the listener", "[admin]") {
  const RouteMatch match = matchRoute("PUT", "/api/v1/listeners/web/pool");
  REQUIRE(match.outcome == Outcome::kMatched);
  CHECK(match.route.endpoint == Endpoint::kSwitchListenerPool);
  CHECK(match.route.listener == "web");
  CHECK(isMutating(Endpoint::kSwitchListenerPool));
}

TEST_CASE("the ready route takes POST", "[admin]") {
  const RouteMatch match = matchRoute("POST", "/api/v1/ready");
  REQUIRE(match.outcome == Outcome::kMatched);
  CHECK(match.route.endpoint == Endpoint::kSetReady);
  CHECK(isMutating(Endpoint::kSetReady));
}

TEST_CASE("the reload route takes POST and is mutating", "[admin]") {
  const RouteMatch match = matchRoute("POST", "/api/v1/reload");
  REQUIRE(match.outcome == Outcome::kMatched);
  CHECK(match.route.endpoint == Endpoint::kReload);
  CHECK(isMutating(Endpoint::kReload));
  CHECK(matchRoute("GET", "/api/v1/reload").allow == "POST");
}

TEST_CASE("an encoded slash stays inside its segment", "[admin]") {
  const RouteMatch match = matchRoute("POST", "/api/v1/pools/a%2Fb/backends/x/drain");
  REQUIRE(match.outcome == Outcome::kMatched);
  CHECK(match.route.pool == "a/b");
  CHECK(match.route.backend == "x");
}

TEST_CASE("paths that name no endpoint are not found", "[admin]") {
  for (const char* path : {"", "/", "metrics", "/metrics/", "/Metrics", "//metrics", "/api/v1/status/x",
                           "/api/v2/status", "/api/v1/pools//backends/x/drain", "/api/v1/pools/p/backends//drain",
                           "/api/v1/pools/p/backends/x/undrain", "/api/v1/listeners/web", "/api/v1/listeners//pool",
                           "/api/v1/pools/p/backends/x/drain/more"}) {
    INFO("path \"" << path << "\"");
    CHECK(matchRoute("GET", path).outcome == Outcome::kNotFound);
    CHECK(matchRoute("POST", path).outcome == Outcome::kNotFound);
  }
}

TEST_CASE("a known path with the wrong method is not allowed and says which method is", "[admin]") {
  RouteMatch match = matchRoute("POST", "/metrics");
  CHECK(match.outcome == Outcome::kMethodNotAllowed);
  CHECK(match.allow == "GET, HEAD");

  match = matchRoute("GET", "/api/v1/pools/p/backends/x/drain");
  CHECK(match.outcome == Outcome::kMethodNotAllowed);
  CHECK(match.allow == "POST");

  match = matchRoute("POST", "/api/v1/listeners/web/pool");
  CHECK(match.outcome == Outcome::kMethodNotAllowed);
  CHECK(match.allow == "PUT");

  match = matchRoute("DELETE", "/api/v1/ready");
  CHECK(match.outcome == Outcome::kMethodNotAllowed);
  CHECK(match.allow == "POST");

  CHECK(matchRoute("get", "/metrics").outcome == Outcome::kMethodNotAllowed);
}

TEST_CASE("a malformed percent escape anywhere in the path is a bad path", "[admin]") {
  CHECK(matchRoute("POST", "/api/v1/pools/%zz/backends/x/drain").outcome == Outcome::kBadPath);
  CHECK(matchRoute("GET", "/metrics%").outcome == Outcome::kBadPath);
  CHECK(matchRoute("GET", "/%4").outcome == Outcome::kBadPath);
}

}  // namespace
}  // namespace fulcrum::admin
