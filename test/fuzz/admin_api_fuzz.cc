// Admin requests (lb/admin/admin_api.h) with fuzz-chosen method, path, Authorization
// header and body, against a fake Control over a real Topology: the answer is always a
// valid status and never 5xx (the one 5xx the API may give is GET /readyz's 503 while
// the instance is out of rotation, INTERFACE.md "Admin API"); every 4xx is a JSON
// object with an "error" string; 401 names the Bearer scheme and 405 the allowed methods.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/log.h"
#include "lb/admin/admin_api.h"
#include "lb/admin/admin_routes.h"
#include "lb/config/loader.h"
#include "lb/runtime/control.h"
#include "test/fuzz/fuzz_check.h"
#include "test/support/admin_sample_config.h"
#include "test/support/fake_control.h"

namespace fulcrum {
namespace {

constexpr std::string_view kToken = "s3cret";

const config::Config& parsedConfig() {
  static const config::Config parsed = [] {
    config::LoadResult loaded = config::parseConfig(test::kAdminSampleConfig, "admin_api_fuzz.toml");
    FUZZ_CHECK(loaded.ok());
    return std::move(*loaded.config);
  }();
  return parsed;
}

// A fresh Topology per input, so that every input starts from the same state and a crash
// reproduces. (buildTopology lives in lb/runtime/server.cc, which the fuzz build leaves out.)
std::shared_ptr<const Topology> freshTopology() {
  auto topology = std::make_shared<Topology>();
  const config::Config& config = parsedConfig();
  for (const auto& pool : config.pools) topology->pools.push_back(std::make_shared<Pool>(pool, 1));
  for (const auto& listener : config.listeners) {
    topology->listeners.push_back(std::make_shared<ListenerState>(listener, topology->findPool(listener.pool).get()));
  }
  return topology;
}

// The shared fake, except that reloads alternate: a config with a diagnostic, then one
// without problems.
class FuzzControl final : public test::FakeControl {
 public:
  FuzzControl() : test::FakeControl(freshTopology()) { reload_counters = ReloadCounters{1, 0}; }

  ReloadResult requestReload(Duration timeout) override {
    reload_fails_ = !reload_fails_;
    reload_result = reload_fails_ ? ReloadResult{false, {"fulcrum.toml:3:1: error: unknown key \"x\""}}
                                  : ReloadResult{true, {}};
    return test::FakeControl::requestReload(timeout);
  }

 private:
  bool reload_fails_ = false;
};

// A path segment: a configured name (plain or percent-encoded) or fuzz bytes.
std::string consumeSegment(FuzzedDataProvider& input) {
  static constexpr std::array<std::string_view, 9> kNames = {
      "blue", "green", "web", "dns", "127.0.0.1:9001", "%5B%3A%3A1%5D%3A9002", "[::1]:9002", "%zz", "%"};
  if (input.ConsumeBool()) return std::string(kNames[input.ConsumeIntegralInRange<size_t>(0, kNames.size() - 1)]);
  return input.ConsumeRandomLengthString(24);
}

// Mostly paths near the real endpoints, so the fuzzer reaches the handlers quickly.
std::string consumePath(FuzzedDataProvider& input) {
  switch (input.ConsumeIntegralInRange(0, 9)) {
    case 0: return "/healthz";
    case 1: return "/readyz";
    case 2: return "/metrics";
    case 3: return "/api/v1/status";
    case 4: return input.ConsumeBool() ? "/api/v1/ready" : "/api/v1/reload";
    case 5: return "/api/v1/pools/" + consumeSegment(input) + "/backends/" + consumeSegment(input) + "/drain";
    case 6: return "/api/v1/pools/" + consumeSegment(input) + "/backends/" + consumeSegment(input) + "/enable";
    case 7: return "/api/v1/listeners/" + consumeSegment(input) + "/pool";
    default: return input.ConsumeRandomLengthString(64);
  }
}

std::string consumeMethod(FuzzedDataProvider& input) {
  static constexpr std::array<std::string_view, 8> kMethods = {"GET",    "HEAD",  "POST", "PUT",
                                                               "DELETE", "PATCH", "get",  ""};
  if (input.ConsumeIntegralInRange(0, 7) != 0) {
    return std::string(kMethods[input.ConsumeIntegralInRange<size_t>(0, kMethods.size() - 1)]);
  }
  return input.ConsumeRandomLengthString(12);
}

std::string consumeAuthorization(FuzzedDataProvider& input) {
  switch (input.ConsumeIntegralInRange(0, 3)) {
    case 0: return "";
    case 1: return "Bearer " + std::string(kToken);
    case 2: return "bearer  " + std::string(kToken);
    default: return input.ConsumeRandomLengthString(32);
  }
}

std::string consumeBody(FuzzedDataProvider& input) {
  switch (input.ConsumeIntegralInRange(0, 3)) {
    case 0: return R"({"ready":false})";
    case 1: return R"({"pool":"green"})";
    default: return input.ConsumeRemainingBytesAsString();
  }
}

bool isJsonError(const admin::Response& response) {
  if (response.content_type != "application/json") return false;
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  return body.is_object() && body.contains("error") && body["error"].is_string();
}

bool hasHeader(const admin::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name && !value.empty()) return true;
  }
  return false;
}

void run(FuzzedDataProvider& input) {
  FuzzControl control;
  const admin::Api api(control, input.ConsumeBool() ? std::string(kToken) : std::string());
  // A few requests per input, so that state one call leaves (drained, not ready,
  // switched) meets the next.
  for (int call = 0; call < 4 && input.remaining_bytes() > 0; ++call) {
    const std::string method = consumeMethod(input);
    const std::string path = consumePath(input);
    const std::string authorization = consumeAuthorization(input);
    const bool body_too_large = input.ConsumeIntegralInRange(0, 7) == 0;
    const std::string body = consumeBody(input);
    admin::Request request;
    request.method = method;
    request.path = path;
    request.authorization = authorization;
    request.body = body;
    request.body_too_large = body_too_large;
    const admin::Response response = api.handle(request);

    const admin::RouteMatch route = admin::matchRoute(method, path);
    const bool readyz = route.outcome == admin::RouteMatch::Outcome::kMatched &&
                        route.route.endpoint == admin::Endpoint::kReadyz;
    FUZZ_CHECK(response.status >= 200 && response.status <= 599);
    FUZZ_CHECK(response.status < 500 || (response.status == 503 && readyz && !control.ready()));
    if (response.status >= 400 && response.status < 500) FUZZ_CHECK(isJsonError(response));
    if (response.status == 401) FUZZ_CHECK(hasHeader(response, "WWW-Authenticate"));
    if (response.status == 405) FUZZ_CHECK(hasHeader(response, "Allow"));
  }
}

}  // namespace
}  // namespace fulcrum

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fulcrum::log::setMinimumLevel(fulcrum::log::Level::kError);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  fulcrum::run(input);
  return 0;
}
