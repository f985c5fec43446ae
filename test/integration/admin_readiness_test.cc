// GET /healthz, GET /readyz and POST /api/v1/ready (INTERFACE.md, "Admin API"): ready
// while serving, 503 when the operator withdraws the instance or a graceful shutdown
// begins; traffic keeps flowing meanwhile.
#include <catch2/catch.hpp>

#include <csignal>
#include <string>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

struct Setup {
  EchoServer echo;
  uint16_t admin = freeTcpPort();
  uint16_t listen = freeTcpPort();
  FulcrumProcess fulcrum{tcpProxyConfig({.listen_port = listen,
                                         .backend_ports = {echo.port()},
                                         .workers = 1,
                                         .shutdown_grace = "10s",
                                         .withdraw_delay = "0s",
                                         .admin_port = admin})};

  Setup() {
    REQUIRE(fulcrum.waitForTcpPort(listen, 10s));
    REQUIRE(waitForAdmin(admin, 10s));
  }

  int statusOf(const char* path) const {
    const std::optional<HttpResponse> response = httpGet(admin, path);
    return response ? response->status : 0;
  }
};

bool echoes(int fd, const std::string& message) {
  return sendAll(fd, message, 2s) && recvExact(fd, message.size(), 2s) == std::optional<std::string>(message);
}

TEST_CASE("healthz and readyz answer 200 while fulcrum serves", "[admin]") {
  Setup setup;
  const std::optional<HttpResponse> health = httpGet(setup.admin, "/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == "ok");
  CHECK(setup.statusOf("/readyz") == 200);
}

TEST_CASE("POST /api/v1/ready withdraws the instance from readyz while traffic keeps flowing", "[admin]") {
  Setup setup;
  UniqueFd client = connectTcp(setup.listen, 2s);
  REQUIRE(client);
  REQUIRE(echoes(client.get(), "before"));

  const std::optional<HttpResponse> withdrawn = adminCall(setup.admin, "POST", "/api/v1/ready", R"({"ready":false})");
  REQUIRE(withdrawn);
  CHECK(withdrawn->status == 200);
  CHECK(withdrawn->body == R"({"ready":false})");
  CHECK(setup.statusOf("/readyz") == 503);
  CHECK(setup.statusOf("/healthz") == 200);
  CHECK(echoes(client.get(), "while withdrawn"));
  UniqueFd another = connectTcp(setup.listen, 2s);
  REQUIRE(another);
  CHECK(echoes(another.get(), "new client while withdrawn"));

  CHECK(adminCall(setup.admin, "POST", "/api/v1/ready", R"({"ready":true})")->status == 200);
  CHECK(setup.statusOf("/readyz") == 200);
}

TEST_CASE("readyz turns 503 once a graceful shutdown begins", "[admin]") {
  Setup setup;
  // An open connection keeps the graceful shutdown (and the admin API) going.
  UniqueFd client = connectTcp(setup.listen, 2s);
  REQUIRE(client);
  REQUIRE(echoes(client.get(), "hold"));

  setup.fulcrum.signal(SIGTERM);
  CHECK(eventually(2s, [&] { return setup.statusOf("/readyz") == 503; }, 20ms));
  CHECK(setup.statusOf("/healthz") == 200);
  CHECK(echoes(client.get(), "still served"));

  shutdownWrite(client.get());
  CHECK(recvUntilEof(client.get(), 5s).end == StreamEnd::kEof);
  const std::optional<ExitStatus> exit = setup.fulcrum.waitExit(15s);
  REQUIRE(exit);
  CHECK(exit->exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
