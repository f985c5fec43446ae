// What a reload keeps and what it changes: open connections to removed backends drain,
// API state survives unless the file changes it, a new balance applies to new
// connections (INTERFACE.md, "Reload (SIGHUP)" and "Admin API").
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <set>
#include <thread>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/ports.h"
#include "test/support/reload_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct Identified {
  UniqueFd fd;
  std::string id;
};

// A connection through the proxy and the id its IdServer backend sent first.
Identified connectAndIdentify(uint16_t port) {
  Identified connection;
  connection.fd = connectTcp(port, 2s);
  if (connection.fd) connection.id = recvExact(connection.fd.get(), 1, 2s).value_or("");
  return connection;
}

std::multiset<std::string> idsOfNewConnections(uint16_t port, int count) {
  std::multiset<std::string> ids;
  for (int i = 0; i < count; ++i) ids.insert(connectAndIdentify(port).id);
  return ids;
}

bool echoes(int fd, const std::string& message) {
  return sendAll(fd, message, 2s) && recvExact(fd, message.size(), 2s) == std::optional<std::string>(message);
}

json status(uint16_t admin) {
  const std::optional<HttpResponse> response = httpGet(admin, "/api/v1/status");
  if (!response || response->status != 200) return json();
  return json::parse(response->body, nullptr, false);
}

// The state the status call reports for a backend of a pool, "" when it is not listed.
std::string backendState(uint16_t admin, const std::string& pool_name, uint16_t port) {
  const json all = status(admin);
  if (!all.is_object()) return "";
  for (const auto& pool : all["pools"]) {
    if (pool["name"] != pool_name) continue;
    for (const auto& backend : pool["backends"]) {
      if (backend["address"] == fmt::format("127.0.0.1:{}", port)) return backend["state"].get<std::string>();
    }
  }
  return "";
}

std::string listenerPool(uint16_t admin) {
  const json all = status(admin);
  if (!all.is_object() || all["listeners"].empty()) return "";
  return all["listeners"][0]["pool"].get<std::string>();
}

void reloadWith(FulcrumProcess& fulcrum, const ReloadSpec& spec, int expected_reloads) {
  fulcrum.rewriteConfig(reloadConfig(spec));
  fulcrum.signal(SIGHUP);
  const Deadline deadline(5s);
  while (!deadline.expired()) {
    size_t seen = 0;
    const std::string log = fulcrum.log();
    for (size_t at = log.find("configuration reloaded"); at != std::string::npos;
         at = log.find("configuration reloaded", at + 1)) {
      ++seen;
    }
    if (seen >= static_cast<size_t>(expected_reloads)) return;
    std::this_thread::sleep_for(20ms);
  }
  FAIL("reload " << expected_reloads << " not applied");
}

TEST_CASE("an open connection to a backend the new file removes drains until drain_timeout", "[reload]") {
  IdServer a("A", IdServer::Mode::kThenEcho);
  IdServer b("B", IdServer::Mode::kThenEcho);
  ReloadSpec spec{freeTcpPort(), freeTcpPort(), "blue", 1, {{"blue", {a.port(), b.port()}, "round_robin", "2s"}}};
  FulcrumProcess fulcrum(reloadConfig(spec));
  REQUIRE(fulcrum.waitForTcpPort(spec.listen_port, 5s));
  REQUIRE(waitForAdmin(spec.admin_port, 5s));
  Identified to_b = connectAndIdentify(spec.listen_port);
  if (to_b.id != "B") to_b = connectAndIdentify(spec.listen_port);
  REQUIRE(to_b.id == "B");

  ReloadSpec without_b = spec;
  without_b.pools[0].backend_ports = {a.port()};
  const auto reloaded_at = std::chrono::steady_clock::now();
  reloadWith(fulcrum, without_b, 1);
  CHECK(echoes(to_b.fd.get(), "still flowing"));
  CHECK(backendState(spec.admin_port, "blue", b.port()) == "draining");
  CHECK(idsOfNewConnections(spec.listen_port, 6) == std::multiset<std::string>{"A", "A", "A", "A", "A", "A"});

  REQUIRE(isClosedByPeer(to_b.fd.get(), 5s));
  const double closed_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - reloaded_at).count();
  CHECK(closed_after >= 1.8);
  CHECK(closed_after < 4.5);
  CHECK(backendState(spec.admin_port, "blue", b.port()).empty());  // gone once its connection closed
}

TEST_CASE("a drain set through the API survives a reload that keeps the backend", "[reload]") {
  IdServer a("A", IdServer::Mode::kThenEcho);
  IdServer b("B", IdServer::Mode::kThenEcho);
  ReloadSpec spec{freeTcpPort(), freeTcpPort(), "blue", 2, {{"blue", {a.port(), b.port()}}}};
  FulcrumProcess fulcrum(reloadConfig(spec));
  REQUIRE(fulcrum.waitForTcpPort(spec.listen_port, 5s));
  REQUIRE(waitForAdmin(spec.admin_port, 5s));
  const auto drained = adminCall(spec.admin_port, "POST", backendPath("blue", fmt::format("127.0.0.1:{}", b.port()), "drain"));
  REQUIRE(drained);
  REQUIRE(drained->status == 200);

  reloadWith(fulcrum, spec, 1);
  CHECK(backendState(spec.admin_port, "blue", b.port()) == "draining");
  CHECK(idsOfNewConnections(spec.listen_port, 6) == std::multiset<std::string>{"A", "A", "A", "A", "A", "A"});
}

TEST_CASE("a pool switched through the API stays switched across a reload whose file still says blue",
          "[reload]") {
  IdServer blue_backend("B", IdServer::Mode::kSendAndClose);
  IdServer green_backend("G", IdServer::Mode::kSendAndClose);
  ReloadSpec spec{freeTcpPort(), freeTcpPort(), "blue", 2,
                  {{"blue", {blue_backend.port()}}, {"green", {green_backend.port()}}}};
  FulcrumProcess fulcrum(reloadConfig(spec));
  REQUIRE(fulcrum.waitForTcpPort(spec.listen_port, 5s));
  REQUIRE(waitForAdmin(spec.admin_port, 5s));
  const auto switched = adminCall(spec.admin_port, "PUT", "/api/v1/listeners/web/pool", R"({"pool":"green"})");
  REQUIRE(switched);
  REQUIRE(switched->status == 200);

  reloadWith(fulcrum, spec, 1);
  CHECK(listenerPool(spec.admin_port) == "green");
  CHECK(idsOfNewConnections(spec.listen_port, 4) == std::multiset<std::string>{"G", "G", "G", "G"});
}

TEST_CASE("a reload whose file changes the listener's pool overrides the API's switch", "[reload]") {
  IdServer blue_backend("B", IdServer::Mode::kSendAndClose);
  IdServer green_backend("G", IdServer::Mode::kSendAndClose);
  IdServer red_backend("R", IdServer::Mode::kSendAndClose);
  ReloadSpec spec{freeTcpPort(), freeTcpPort(), "blue", 2,
                  {{"blue", {blue_backend.port()}}, {"green", {green_backend.port()}}, {"red", {red_backend.port()}}}};
  FulcrumProcess fulcrum(reloadConfig(spec));
  REQUIRE(fulcrum.waitForTcpPort(spec.listen_port, 5s));
  REQUIRE(waitForAdmin(spec.admin_port, 5s));
  const auto switched = adminCall(spec.admin_port, "PUT", "/api/v1/listeners/web/pool", R"({"pool":"green"})");
  REQUIRE(switched);
  REQUIRE(switched->status == 200);

  ReloadSpec to_red = spec;
  to_red.listener_pool = "red";
  reloadWith(fulcrum, to_red, 1);
  CHECK(listenerPool(spec.admin_port) == "red");
  CHECK(idsOfNewConnections(spec.listen_port, 4) == std::multiset<std::string>{"R", "R", "R", "R"});
}

TEST_CASE("changing a pool's balance from round_robin to consistent_hash applies to new connections",
          "[reload]") {
  IdServer a("A", IdServer::Mode::kSendAndClose);
  IdServer b("B", IdServer::Mode::kSendAndClose);
  IdServer c("C", IdServer::Mode::kSendAndClose);
  ReloadSpec spec{freeTcpPort(), freeTcpPort(), "blue", 1, {{"blue", {a.port(), b.port(), c.port()}}}};
  FulcrumProcess fulcrum(reloadConfig(spec));
  REQUIRE(fulcrum.waitForTcpPort(spec.listen_port, 5s));
  CHECK(idsOfNewConnections(spec.listen_port, 6) == std::multiset<std::string>{"A", "A", "B", "B", "C", "C"});

  ReloadSpec hashed = spec;
  hashed.pools[0].balance = "consistent_hash";
  reloadWith(fulcrum, hashed, 1);
  // Every client here is 127.0.0.1: one key, so one backend for all of them.
  const std::multiset<std::string> ids = idsOfNewConnections(spec.listen_port, 9);
  REQUIRE(ids.size() == 9);
  CHECK(ids.count(*ids.begin()) == 9);
}

}  // namespace
}  // namespace fulcrum::test
