// The admin API without HTTP (lb/admin/admin_api.h): status codes, JSON answers, the
// token, and that a refused call changes nothing (INTERFACE.md, "Admin API").
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <random>
#include <set>
#include <string>

#include "lb/admin/admin_api.h"
#include "lb/config/loader.h"
#include "lb/runtime/server.h"
#include "test/support/admin_sample_config.h"
#include "test/support/fake_control.h"

namespace fulcrum::admin {
namespace {

using nlohmann::json;

// The fake Control over the admin sample config, with look-ups the tests assert on.
class ConfiguredControl final : public test::FakeControl {
 public:
  ConfiguredControl() : test::FakeControl(parsedTopology()) {}

  Backend& backend(const std::string& pool, const std::string& name) {
    return *topology()->findPool(pool)->findBackend(name);
  }
  std::string listenerPool(const std::string& listener) {
    const std::shared_ptr<ListenerState> state = topology()->findListener(listener);
    const Pool* pool = state ? state->pool() : nullptr;
    return pool != nullptr ? pool->name() : std::string();
  }

 private:
  static std::shared_ptr<const Topology> parsedTopology() {
    config::LoadResult loaded = config::parseConfig(test::kAdminSampleConfig, "admin_api_test.toml");
    REQUIRE(loaded.ok());
    return buildTopology(*loaded.config, 1);
  }
};

Response call(const Api& api, std::string_view method, std::string_view path, std::string_view body = {},
              std::string_view authorization = {}) {
  Request request;
  request.method = method;
  request.path = path;
  request.body = body;
  request.authorization = authorization;
  return api.handle(request);
}

// The `error` member of a JSON error answer; fails the test when the body is not one.
std::string errorOf(const Response& response) {
  INFO("body " << response.body);
  CHECK(response.content_type == "application/json");
  const json body = json::parse(response.body, nullptr, false);
  REQUIRE(body.is_object());
  REQUIRE(body.size() == 1);
  REQUIRE(body.contains("error"));
  REQUIRE(body["error"].is_string());
  return body["error"].get<std::string>();
}

std::string headerOf(const Response& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST_CASE("healthz answers 200 ok", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  const Response response = call(api, "GET", "/healthz");
  CHECK(response.status == 200);
  CHECK(response.body == "ok");
}

TEST_CASE("readyz follows Control::ready()", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  CHECK(call(api, "GET", "/readyz").status == 200);
  control.setReady(false);
  const Response response = call(api, "GET", "/readyz");
  CHECK(response.status == 503);
  CHECK(response.body == "not ready");
}

TEST_CASE("POST /api/v1/ready takes the instance out of rotation and back", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  Response response = call(api, "POST", "/api/v1/ready", R"({"ready":false})");
  CHECK(response.status == 200);
  CHECK(json::parse(response.body) == json{{"ready", false}});
  CHECK_FALSE(control.ready());
  CHECK(call(api, "GET", "/readyz").status == 503);
  CHECK(call(api, "POST", "/api/v1/ready", R"({"ready":true})").status == 200);
  CHECK(call(api, "GET", "/readyz").status == 200);
}

TEST_CASE("status has exactly the contract's shape; a udp listener counts its sessions", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  control.backend("blue", "[::1]:9002").setDraining(true);
  control.topology()->findListener("dns")->counters().udp_sessions_active = 2;
  const Response response = call(api, "GET", "/api/v1/status");
  REQUIRE(response.status == 200);
  CHECK(response.content_type == "application/json");
  const json expected = {
      {"version", FULCRUM_VERSION},
      {"listeners",
       {
           {{"name", "web"}, {"bind", "127.0.0.1:8080"}, {"protocol", "tcp"}, {"pool", "blue"},
            {"active_connections", 0}},
           {{"name", "dns"}, {"bind", "127.0.0.1:5353"}, {"protocol", "udp"}, {"pool", "green"},
            {"active_connections", 2}},
       }},
      {"pools",
       {
           {{"name", "blue"},
            {"balance", "round_robin"},
            {"backends",
             {
                 {{"address", "127.0.0.1:9001"}, {"weight", 3}, {"state", "up"}, {"active_connections", 0}},
                 {{"address", "[::1]:9002"}, {"weight", 1}, {"state", "draining"}, {"active_connections", 0}},
             }}},
           {{"name", "green"},
            {"balance", "least_connections"},
            {"backends",
             {
                 {{"address", "127.0.0.1:9003"}, {"weight", 1}, {"state", "unknown"}, {"active_connections", 0}},
             }}},
       }},
  };
  CHECK(json::parse(response.body) == expected);
}

TEST_CASE("drain and enable of a percent-encoded IPv6 backend", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  Response response = call(api, "POST", "/api/v1/pools/blue/backends/%5B%3A%3A1%5D%3A9002/drain");
  CHECK(response.status == 200);
  CHECK(json::parse(response.body) == json{{"pool", "blue"}, {"backend", "[::1]:9002"}, {"state", "draining"}});
  CHECK(control.backend("blue", "[::1]:9002").draining());

  response = call(api, "POST", "/api/v1/pools/blue/backends/%5B%3A%3A1%5D%3A9002/enable");
  CHECK(response.status == 200);
  CHECK(json::parse(response.body) == json{{"pool", "blue"}, {"backend", "[::1]:9002"}, {"state", "up"}});
  CHECK_FALSE(control.backend("blue", "[::1]:9002").draining());
}

TEST_CASE("drain of an unknown pool or backend is 404 with a JSON error", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  Response response = call(api, "POST", "/api/v1/pools/purple/backends/127.0.0.1:9001/drain");
  CHECK(response.status == 404);
  CHECK(errorOf(response) == "unknown pool \"purple\"");
  response = call(api, "POST", "/api/v1/pools/blue/backends/127.0.0.1:9003/enable");
  CHECK(response.status == 404);
  CHECK(errorOf(response) == "unknown backend \"127.0.0.1:9003\" in pool \"blue\"");
}

TEST_CASE("a pool switch moves the listener; unknown listener or pool is 404", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  Response response = call(api, "PUT", "/api/v1/listeners/web/pool", R"({"pool":"green"})");
  CHECK(response.status == 200);
  CHECK(json::parse(response.body) == json{{"listener", "web"}, {"pool", "green"}});
  CHECK(control.listenerPool("web") == "green");

  response = call(api, "PUT", "/api/v1/listeners/mail/pool", R"({"pool":"blue"})");
  CHECK(response.status == 404);
  CHECK(errorOf(response) == "unknown listener \"mail\"");
  response = call(api, "PUT", "/api/v1/listeners/web/pool", R"({"pool":"purple"})");
  CHECK(response.status == 404);
  CHECK(errorOf(response) == "unknown pool \"purple\"");
  CHECK(control.listenerPool("web") == "green");
}

TEST_CASE("a malformed or mistyped body is 400 and changes nothing", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  for (const char* body : {"", "{", R"({"pool":1})", R"(["green"])", R"({"pool":"green","x":1})"}) {
    INFO("body " << body);
    const Response response = call(api, "PUT", "/api/v1/listeners/web/pool", body);
    CHECK(response.status == 400);
    CHECK_FALSE(errorOf(response).empty());
  }
  CHECK(call(api, "POST", "/api/v1/ready", R"({"ready":"no"})").status == 400);
  CHECK(control.calls == 0);
  CHECK(control.listenerPool("web") == "blue");
  CHECK(control.ready());
}

TEST_CASE("unknown paths are 404, a bad escape is 400, a wrong method is 405 with Allow", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  Response response = call(api, "GET", "/api/v1/nothing");
  CHECK(response.status == 404);
  CHECK(errorOf(response) == "no such endpoint");

  response = call(api, "POST", "/api/v1/pools/%zz/backends/x/drain");
  CHECK(response.status == 400);
  CHECK(errorOf(response) == "malformed percent-encoding in the path");

  response = call(api, "GET", "/api/v1/pools/blue/backends/127.0.0.1:9001/drain");
  CHECK(response.status == 405);
  CHECK(errorOf(response) == "GET is not allowed here; use POST");
  CHECK(headerOf(response, "Allow") == "POST");
  CHECK(control.calls == 0);
}

TEST_CASE("a body over 64 KiB is 413 and changes nothing", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  Request request;
  request.method = "PUT";
  request.path = "/api/v1/listeners/web/pool";
  request.body = R"({"pool":"green"})";
  request.body_too_large = true;
  const Response response = api.handle(request);
  CHECK(response.status == 413);
  CHECK(errorOf(response) == "the body is larger than 65536 bytes");
  CHECK(control.calls == 0);
  CHECK(control.listenerPool("web") == "blue");
}

TEST_CASE("with a token, mutating calls without it or with a wrong one are 401 and change nothing", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "s3cret");
  const std::string drain = "/api/v1/pools/blue/backends/127.0.0.1:9001/drain";
  for (const char* authorization : {"", "Bearer wrong", "Bearer s3cret2", "Basic s3cret", "s3cret"}) {
    INFO("Authorization: " << authorization);
    Response response = call(api, "POST", drain, "", authorization);
    CHECK(response.status == 401);
    CHECK(headerOf(response, "WWW-Authenticate") == "Bearer");
    CHECK_FALSE(errorOf(response).empty());
    CHECK(call(api, "PUT", "/api/v1/listeners/web/pool", R"({"pool":"green"})", authorization).status == 401);
    CHECK(call(api, "POST", "/api/v1/ready", R"({"ready":false})", authorization).status == 401);
  }
  CHECK(control.calls == 0);
  CHECK_FALSE(control.backend("blue", "127.0.0.1:9001").draining());
  CHECK(control.listenerPool("web") == "blue");
  CHECK(control.ready());

  CHECK(call(api, "POST", drain, "", "Bearer s3cret").status == 200);
  CHECK(control.backend("blue", "127.0.0.1:9001").draining());
}

TEST_CASE("with a token, reading calls stay open", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "s3cret");
  for (const char* path : {"/metrics", "/healthz", "/readyz", "/api/v1/status"}) {
    INFO(path);
    CHECK(call(api, "GET", path).status == 200);
  }
}

TEST_CASE("metrics are served in the text exposition format", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  const Response response = call(api, "GET", "/metrics");
  CHECK(response.status == 200);
  CHECK(response.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(response.body.find("fulcrum_build_info{version=\"" FULCRUM_VERSION "\"} 1\n") != std::string::npos);
  CHECK(response.body.find("fulcrum_config_reloads_total{result=\"success\"} 2\n") != std::string::npos);
}

TEST_CASE("names that are not UTF-8 come back in valid JSON", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  const Response response = call(api, "POST", "/api/v1/pools/%FF%C3/backends/x/drain");
  CHECK(response.status == 404);
  CHECK(errorOf(response) == "unknown pool \"\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST_CASE("random requests always get an answer with a known status", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "s3cret");
  std::mt19937_64 random(20240611);
  const std::vector<std::string> methods = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", ""};
  const std::vector<std::string> pieces = {"/",      "api",  "v1",       "pools", "blue",  "backends", "%5B",
                                           "%",      "%zz",  "drain",    "enable", "listeners", "web", "pool",
                                           "status", "ready", "metrics", "\xff",  "..",    "?",        ""};
  const std::set<int> known = {200, 400, 401, 404, 405, 413, 503};
  for (int round = 0; round < 3000; ++round) {
    std::string path;
    const size_t length = random() % 10;
    for (size_t i = 0; i < length; ++i) path += pieces[random() % pieces.size()];
    Request request;
    request.method = methods[random() % methods.size()];
    request.path = path;
    request.authorization = random() % 2 ? "Bearer s3cret" : "";
    const std::string body = random() % 2 ? R"({"pool":"green"})" : R"({"ready":true})";
    request.body = body;
    request.body_too_large = random() % 10 == 0;
    const Response response = api.handle(request);
    INFO(request.method << " " << path);
    REQUIRE(known.count(response.status) == 1);
    if (response.content_type == "application/json") REQUIRE_FALSE(json::parse(response.body, nullptr, false).is_discarded());
  }
}

TEST_CASE("POST /api/v1/reload answers success after a reload that worked", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "");
  const Response response = call(api, "POST", "/api/v1/reload");
  CHECK(response.status == 200);
  CHECK(json::parse(response.body) == json{{"result", "success"}});
  CHECK(control.calls == 1);
}

TEST_CASE("POST /api/v1/reload of an invalid file is 422 with every diagnostic", "[admin]") {
  ConfiguredControl control;
  control.reload_result = ReloadResult{false, {"f.toml:3:8: error: first", "f.toml:9:1: error: second"}};
  const Api api(control, "");
  const Response response = call(api, "POST", "/api/v1/reload");
  CHECK(response.status == 422);
  const json body = json::parse(response.body);
  CHECK(body["error"] == "reload failed; the running configuration is unchanged (2 errors)");
  CHECK(body["diagnostics"] == json::array({"f.toml:3:8: error: first", "f.toml:9:1: error: second"}));
}

TEST_CASE("POST /api/v1/reload without the token is 401 and reloads nothing", "[admin]") {
  ConfiguredControl control;
  const Api api(control, "s3cret");
  CHECK(call(api, "POST", "/api/v1/reload").status == 401);
  CHECK(call(api, "POST", "/api/v1/reload", "", "Bearer wrong").status == 401);
  CHECK(control.calls == 0);
  CHECK(call(api, "POST", "/api/v1/reload", "", "Bearer s3cret").status == 200);
  CHECK(control.calls == 1);
}

}  // namespace
}  // namespace fulcrum::admin
