// Type=notify under systemd (README, "Running as a service"): fulcrum reports READY=1
// once it serves, RELOADING=1 and READY=1 around every reload, STOPPING=1 when a
// graceful stop begins (sd_notify(3)). The test plays the service manager: it binds the
// socket that $NOTIFY_SOCKET names and reads what fulcrum sends.
#include <catch2/catch.hpp>

#include <csignal>
#include <string>

#include "test/support/fulcrum_process.h"
#include "test/support/notify_socket.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

bool has(const std::optional<std::string>& message, const std::string& line) {
  return message && ("\n" + *message + "\n").find("\n" + line) != std::string::npos;
}

struct NotifySetup {
  NotifySocket manager;
  uint16_t listen = freeTcpPort();
  uint16_t admin = freeTcpPort();
  std::string config = tcpProxyConfig({.listen_port = listen,
                                       .backend_ports = {freeTcpPort()},
                                       .workers = 2,
                                       .withdraw_delay = "0s",
                                       .admin_port = admin});
  FulcrumProcess fulcrum{config, {}, SpawnOptions{.environment = {manager.environmentEntry()}}};
};

TEST_CASE("READY=1 comes once every listener and the admin port are bound", "[notify]") {
  NotifySetup setup;
  const std::optional<std::string> ready = setup.manager.receive(10s);
  REQUIRE(ready);
  CHECK(has(ready, "READY=1"));
  CHECK(has(ready, "STATUS=serving 1 listener(s) with 2 worker(s)"));
  CHECK(isTcpPortListening(setup.listen));
  CHECK(isTcpPortListening(setup.admin));
}

TEST_CASE("a SIGHUP reload is reported as RELOADING=1, then READY=1", "[notify]") {
  NotifySetup setup;
  REQUIRE(has(setup.manager.receive(10s), "READY=1"));
  setup.fulcrum.signal(SIGHUP);
  const std::optional<std::string> reloading = setup.manager.receive(10s);
  CHECK(has(reloading, "RELOADING=1"));
  CHECK(has(reloading, "MONOTONIC_USEC="));
  const std::optional<std::string> done = setup.manager.receive(10s);
  CHECK(has(done, "READY=1"));
  CHECK(has(done, "STATUS=serving; reloaded " + setup.fulcrum.configPath()));
}

TEST_CASE("a refused reload also ends in READY=1, with the reason in STATUS", "[notify]") {
  NotifySetup setup;
  REQUIRE(has(setup.manager.receive(10s), "READY=1"));
  setup.fulcrum.rewriteConfig("[[listeners]]\nname = 1\n");
  setup.fulcrum.signal(SIGHUP);
  CHECK(has(setup.manager.receive(10s), "RELOADING=1"));
  const std::optional<std::string> done = setup.manager.receive(10s);
  CHECK(has(done, "READY=1"));
  CHECK(has(done, "STATUS=serving the previous configuration; reload failed: "));
  CHECK(isTcpPortListening(setup.listen));
}

TEST_CASE("SIGTERM is reported as STOPPING=1 before the listeners close", "[notify]") {
  NotifySetup setup;
  REQUIRE(has(setup.manager.receive(10s), "READY=1"));
  setup.fulcrum.signal(SIGTERM);
  const std::optional<std::string> stopping = setup.manager.receive(10s);
  CHECK(has(stopping, "STOPPING=1"));
  CHECK(has(stopping, "STATUS=stopping on SIGTERM: draining connections"));
  const std::optional<ExitStatus> exit = setup.fulcrum.waitExit(10s);
  REQUIRE(exit);
  CHECK(exit->exitedWith(0));
}

TEST_CASE("a NOTIFY_SOCKET that nobody listens on is logged, and fulcrum serves anyway", "[notify]") {
  const uint16_t listen = freeTcpPort();
  FulcrumProcess fulcrum{tcpProxyConfig({.listen_port = listen, .backend_ports = {freeTcpPort()}, .workers = 1}),
                         {},
                         SpawnOptions{.environment = {"NOTIFY_SOCKET=/nonexistent/fulcrum-test-notify"}}};
  REQUIRE(fulcrum.waitForTcpPort(listen, 10s));
  CHECK(fulcrum.waitForLog("could not notify the service manager ($NOTIFY_SOCKET)", 10s));
  CHECK(fulcrum.running());
}

}  // namespace
}  // namespace fulcrum::test
