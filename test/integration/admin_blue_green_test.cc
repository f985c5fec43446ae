// PUT /api/v1/listeners/{listener}/pool (INTERFACE.md, "Admin API"): new connections go
// to the new pool at once, connections already open to the old pool keep running.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/http_metrics_scrape.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Both ids have the same length, so one read tells them apart.
constexpr std::string_view kBlueId = "blue!";
constexpr std::string_view kGreenId = "green";

bool echoes(int fd, const std::string& message) {
  return sendAll(fd, message, 2s) && recvExact(fd, message.size(), 2s) == std::optional<std::string>(message);
}

// The id of the backend a new connection reached, "" when none answered.
std::string reachedBackend(uint16_t port, UniqueFd* keep = nullptr) {
  UniqueFd client = connectTcp(port, 2s);
  if (!client) return "";
  const std::string id = recvExact(client.get(), kBlueId.size(), 2s).value_or("");
  if (keep != nullptr) *keep = std::move(client);
  return id;
}

std::string listenerPool(uint16_t admin, const std::string& listener) {
  const std::optional<HttpResponse> response = httpGet(admin, "/api/v1/status");
  if (!response || response->status != 200) return "";
  const json status = json::parse(response->body, nullptr, false);
  if (status.is_discarded()) return "";
  for (const auto& entry : status["listeners"]) {
    if (entry["name"] == listener) return entry["pool"].get<std::string>();
  }
  return "";
}

TEST_CASE("blue-green switch sends new connections to green while an open blue one keeps echoing", "[admin]") {
  IdServer blue{std::string(kBlueId), IdServer::Mode::kThenEcho};
  IdServer green{std::string(kGreenId), IdServer::Mode::kThenEcho};
  const uint16_t admin = freeTcpPort();
  const uint16_t listen = freeTcpPort();
  // The listener starts on blue; green, a second pool, gets traffic only through the switch.
  const std::string green_pool = fmt::format(R"(
[[pools]]
name = "green"
  [[pools.backends]]
  address = "127.0.0.1:{}"
)",
                                             green.port());
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = listen,
                                         .backend_ports = {blue.port()},
                                         .workers = 2,
                                         .shutdown_grace = "2s",
                                         .listener_name = "web",
                                         .pool_name = "blue",
                                         .drain_timeout = "60s",
                                         .admin_port = admin}) +
                         green_pool);
  REQUIRE(fulcrum.waitForTcpPort(listen, 10s));
  REQUIRE(waitForAdmin(admin, 10s));
  CHECK(listenerPool(admin, "web") == "blue");

  UniqueFd blue_connection;
  REQUIRE(reachedBackend(listen, &blue_connection) == kBlueId);
  REQUIRE(echoes(blue_connection.get(), "opened on blue"));

  const std::optional<HttpResponse> response =
      adminCall(admin, "PUT", "/api/v1/listeners/web/pool", R"({"pool":"green"})");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(json::parse(response->body) == json{{"listener", "web"}, {"pool", "green"}});
  CHECK(listenerPool(admin, "web") == "green");

  size_t reached_green = 0;
  for (int i = 0; i < 30; ++i) {
    if (reachedBackend(listen) == kGreenId) ++reached_green;
  }
  CHECK(reached_green == 30);
  CHECK(blue.acceptedConnections() == 1);
  CHECK(echoes(blue_connection.get(), "still on blue"));

  // The test, not the proxy, ends the blue connection, and it ends cleanly.
  shutdownWrite(blue_connection.get());
  CHECK(recvUntilEof(blue_connection.get(), 5s).end == StreamEnd::kEof);
  blue_connection.reset();
  CHECK(eventually(3s, [&] {
    const std::optional<MetricSamples> metrics = scrapeMetrics(admin);
    return metrics && metrics->value(R"(fulcrum_listener_active_connections{listener="web"})") ==
                          std::optional<double>(0);
  }, 50ms));

  // And back: the switch works both ways.
  CHECK(adminCall(admin, "PUT", "/api/v1/listeners/web/pool", R"({"pool":"blue"})")->status == 200);
  CHECK(reachedBackend(listen) == kBlueId);
}

}  // namespace
}  // namespace fulcrum::test
