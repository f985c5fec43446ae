// POST /api/v1/pools/{pool}/backends/{address}/drain and /enable (INTERFACE.md,
// "Admin API"): a drained backend takes no new connections, its open ones keep working
// until the pool's drain_timeout, then they are closed; enable brings it back.
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

constexpr Millis kDrainTimeout = 4000ms;

// A connection through the proxy and the id its backend sent first ("A" or "B").
struct Identified {
  UniqueFd fd;
  std::string id;
};

Identified connectAndIdentify(uint16_t port) {
  Identified connection;
  connection.fd = connectTcp(port, 2s);
  if (!connection.fd) return connection;
  connection.id = recvExact(connection.fd.get(), 1, 2s).value_or("");
  return connection;
}

bool echoes(int fd, const std::string& message) {
  return sendAll(fd, message, 2s) && recvExact(fd, message.size(), 2s) == std::optional<std::string>(message);
}

// The state the status call reports for a backend, "" when it is not listed.
std::string statusState(uint16_t admin, const std::string& address) {
  const std::optional<HttpResponse> response = httpGet(admin, "/api/v1/status");
  if (!response || response->status != 200) return "";
  const json status = json::parse(response->body, nullptr, false);
  if (status.is_discarded()) return "";
  for (const auto& pool : status["pools"]) {
    for (const auto& backend : pool["backends"]) {
      if (backend["address"] == address) return backend["state"].get<std::string>();
    }
  }
  return "";
}

TEST_CASE("drain keeps an open connection until drain_timeout, steers new ones away, enable undoes it",
          "[admin]") {
  IdServer backend_a("A", IdServer::Mode::kThenEcho);
  IdServer backend_b("B", IdServer::Mode::kThenEcho);
  const uint16_t admin = freeTcpPort();
  const uint16_t listen = freeTcpPort();
  const std::string address_a = fmt::format("127.0.0.1:{}", backend_a.port());
  // Two workers: the drain deadline must close the connection on whichever one holds it.
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = listen,
                                         .backend_ports = {backend_a.port(), backend_b.port()},
                                         .workers = 2,
                                         .shutdown_grace = "2s",
                                         .pool_name = "p",
                                         .drain_timeout = fmt::format("{}ms", kDrainTimeout.count()),
                                         .admin_port = admin}));
  REQUIRE(fulcrum.waitForTcpPort(listen, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  // A connection that landed on A (round robin gets there within a few tries).
  Identified on_a;
  for (int attempt = 0; attempt < 10 && on_a.id != "A"; ++attempt) on_a = connectAndIdentify(listen);
  REQUIRE(on_a.id == "A");
  REQUIRE(echoes(on_a.fd.get(), "before drain"));
  const size_t accepted_by_a = backend_a.acceptedConnections();

  const Clock::time_point drained_at = Clock::now();
  const std::optional<HttpResponse> drain = adminCall(admin, "POST", backendPath("p", address_a, "drain"));
  REQUIRE(drain);
  CHECK(drain->status == 200);
  CHECK(json::parse(drain->body) == json{{"pool", "p"}, {"backend", address_a}, {"state", "draining"}});

  // The open connection keeps working.
  CHECK(echoes(on_a.fd.get(), "during drain"));

  // 100 new connections all avoid A.
  size_t reached_b = 0;
  for (int i = 0; i < 100; ++i) {
    const Identified connection = connectAndIdentify(listen);
    if (connection.id == "B") ++reached_b;
  }
  CHECK(reached_b == 100);
  CHECK(backend_a.acceptedConnections() == accepted_by_a);

  CHECK(statusState(admin, address_a) == "draining");
  const std::optional<MetricSamples> metrics = scrapeMetrics(admin);
  REQUIRE(metrics);
  const std::string labels = fmt::format(R"(pool="p",backend="{}")", address_a);
  CHECK(metrics->value(fmt::format(R"(fulcrum_backend_state{{{},state="draining"}})", labels)) ==
        std::optional<double>(1));
  CHECK(metrics->value(fmt::format(R"(fulcrum_backend_state{{{},state="up"}})", labels)) == std::optional<double>(0));
  CHECK(metrics->value(fmt::format("fulcrum_backend_up{{{}}}", labels)) == std::optional<double>(0));
  CHECK(metrics->value(fmt::format("fulcrum_backend_active_connections{{{}}}", labels)) == std::optional<double>(1));

  // Still echoing as long as the drain_timeout has not passed.
  if (Clock::now() - drained_at < kDrainTimeout - 1000ms) CHECK(echoes(on_a.fd.get(), "still draining"));

  // After drain_timeout the proxy closes it, and not much earlier.
  CHECK(isClosedByPeer(on_a.fd.get(), kDrainTimeout + 3000ms));
  const auto closed_after = std::chrono::duration_cast<Millis>(Clock::now() - drained_at);
  CHECK(closed_after >= kDrainTimeout - 500ms);
  CHECK(eventually(3s, [&] {
    const std::optional<MetricSamples> later = scrapeMetrics(admin);
    return later &&
           later->value(fmt::format("fulcrum_backend_active_connections{{{}}}", labels)) == std::optional<double>(0) &&
           later->value(fmt::format("fulcrum_backend_drain_closed_connections_total{{{}}}", labels)) ==
               std::optional<double>(1);
  }, 50ms));

  // Enable: A takes new connections again.
  const std::optional<HttpResponse> enable = adminCall(admin, "POST", backendPath("p", address_a, "enable"));
  REQUIRE(enable);
  CHECK(enable->status == 200);
  CHECK(json::parse(enable->body) == json{{"pool", "p"}, {"backend", address_a}, {"state", "up"}});
  CHECK(statusState(admin, address_a) == "up");
  bool reached_a = false;
  for (int i = 0; i < 10 && !reached_a; ++i) reached_a = connectAndIdentify(listen).id == "A";
  CHECK(reached_a);
}

TEST_CASE("enabling a backend before drain_timeout keeps its open connection", "[admin]") {
  IdServer backend_a("A", IdServer::Mode::kThenEcho);
  const uint16_t admin = freeTcpPort();
  const uint16_t listen = freeTcpPort();
  const std::string address_a = fmt::format("127.0.0.1:{}", backend_a.port());
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = listen,
                                         .backend_ports = {backend_a.port()},
                                         .workers = 1,
                                         .pool_name = "p",
                                         .drain_timeout = "1s",
                                         .admin_port = admin}));
  REQUIRE(waitForAdmin(admin, 10s));
  Identified on_a = connectAndIdentify(listen);
  REQUIRE(on_a.id == "A");

  REQUIRE(adminCall(admin, "POST", backendPath("p", address_a, "drain"))->status == 200);
  // Drained with no other backend: a new client is refused at once.
  const Identified refused = connectAndIdentify(listen);
  CHECK(refused.id.empty());
  REQUIRE(adminCall(admin, "POST", backendPath("p", address_a, "enable"))->status == 200);

  // The cancelled deadline must not close the connection when the second passes.
  CHECK(staysQuiet(on_a.fd.get(), 2000ms));
  CHECK(echoes(on_a.fd.get(), "survived"));
}

}  // namespace
}  // namespace fulcrum::test
