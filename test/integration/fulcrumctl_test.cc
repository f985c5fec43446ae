// fulcrumctl against a running fulcrum (INTERFACE.md, "Control CLI"): every command does
// what it says, checked through the admin API; refusals give a non-zero exit with the
// API's own message on stderr.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/http_metrics_scrape.h"
#include "test/support/ports.h"
#include "test/support/run_command.h"
#include "test/support/tcp_client.h"
#include "test/support/temp_dir.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::string_view kToken = "ctl-s3cret";

// One TCP listener "web" on pool "blue" (health "none", so states are predictable) and a
// second pool "green"; the admin API with a token.
struct CtlSetup {
  uint16_t admin = freeTcpPort();
  uint16_t listen = freeTcpPort();
  // Nothing listens on these ports; with health "none" the backends are up all the same.
  std::vector<std::string> blue_backends = {"127.0.0.1:9"};
  std::vector<std::string> green_backends = {"127.0.0.1:29"};
  std::string listener_pool = "blue";
};

std::string backendTables(const std::vector<std::string>& addresses) {
  std::string text;
  for (const auto& address : addresses) text += fmt::format("  [[pools.backends]]\n  address = \"{}\"\n", address);
  return text;
}

std::string ctlConfig(const CtlSetup& setup) {
  return fmt::format(R"(
[runtime]
workers = 2
shutdown_grace = "2s"

[admin]
bind = "127.0.0.1:{}"
token = "{}"

[[listeners]]
name = "web"
bind = "127.0.0.1:{}"
pool = "{}"

[[pools]]
name = "blue"
{}
[[pools]]
name = "green"
{}
)",
                     setup.admin, kToken, setup.listen, setup.listener_pool, backendTables(setup.blue_backends),
                     backendTables(setup.green_backends));
}

std::string localAddress(uint16_t port) { return fmt::format("127.0.0.1:{}", port); }

json apiStatus(uint16_t admin) {
  const std::optional<HttpResponse> response = httpGet(admin, "/api/v1/status");
  REQUIRE(response);
  REQUIRE(response->status == 200);
  return json::parse(response->body);
}

// The backend's state in GET /api/v1/status, "" when it is not listed.
std::string backendState(uint16_t admin, const std::string& pool, const std::string& address) {
  const json status = apiStatus(admin);
  for (const json& entry : status["pools"]) {
    if (entry["name"] != pool) continue;
    for (const json& backend : entry["backends"]) {
      if (backend["address"] == address) return backend["state"].get<std::string>();
    }
  }
  return "";
}

// The lines of `text` split into whitespace-separated fields.
std::vector<std::vector<std::string>> fieldsByLine(const std::string& text) {
  std::vector<std::vector<std::string>> lines;
  std::istringstream input(text);
  std::string line;
  while (std::getline(input, line)) {
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string word; words >> word;) fields.push_back(word);
    lines.push_back(std::move(fields));
  }
  return lines;
}

bool hasRow(const std::string& text, const std::vector<std::string>& row) {
  for (const auto& fields : fieldsByLine(text)) {
    if (fields == row) return true;
  }
  return false;
}

// A running fulcrum for `setup`, its admin API ready.
struct RunningFulcrum {
  explicit RunningFulcrum(const CtlSetup& setup) : process(ctlConfig(setup)) {
    REQUIRE(process.waitForTcpPort(setup.listen, 10s));
    REQUIRE(waitForAdmin(setup.admin, 10s));
  }
  FulcrumProcess process;
};

CommandResult ctl(const RunningFulcrum& fulcrum, std::vector<std::string> args) {
  args.insert(args.begin(), {"-c", fulcrum.process.configPath()});
  return runFulcrumctl(args, 40s);
}

TEST_CASE("fulcrumctl status prints the listeners and the backends with their states", "[fulcrumctl]") {
  CtlSetup setup;
  setup.blue_backends = {"127.0.0.1:9", "127.0.0.1:19"};
  setup.green_backends = {"[::1]:29"};
  RunningFulcrum fulcrum(setup);
  REQUIRE(adminCall(setup.admin, "POST", backendPath("blue", "127.0.0.1:19", "drain"), "", std::string(kToken))
              ->status == 200);

  const CommandResult result = ctl(fulcrum, {"status"});
  INFO(result.out << result.err);
  CHECK(result.exitCode() == 0);
  CHECK(hasRow(result.out, {"LISTENER", "BIND", "PROTOCOL", "POOL", "ACTIVE"}));
  CHECK(hasRow(result.out, {"web", localAddress(setup.listen), "tcp", "blue", "0"}));
  CHECK(hasRow(result.out, {"POOL", "BACKEND", "WEIGHT", "STATE", "ACTIVE"}));
  CHECK(hasRow(result.out, {"blue", "127.0.0.1:9", "1", "up", "0"}));
  CHECK(hasRow(result.out, {"blue", "127.0.0.1:19", "1", "draining", "0"}));
  CHECK(hasRow(result.out, {"green", "[::1]:29", "1", "up", "0"}));
}

TEST_CASE("fulcrumctl status counts an open connection on its listener and backend", "[fulcrumctl]") {
  EchoServer backend;
  CtlSetup setup;
  setup.blue_backends = {localAddress(backend.port())};
  RunningFulcrum fulcrum(setup);
  UniqueFd client = connectTcp(setup.listen, 2s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), "ping", 2s));
  REQUIRE(recvExact(client.get(), 4, 2s) == std::optional<std::string>("ping"));

  const CommandResult result = ctl(fulcrum, {"status"});
  INFO(result.out << result.err);
  CHECK(result.exitCode() == 0);
  CHECK(hasRow(result.out, {"web", localAddress(setup.listen), "tcp", "blue", "1"}));
  CHECK(hasRow(result.out, {"blue", localAddress(backend.port()), "1", "up", "1"}));
}

TEST_CASE("fulcrumctl drain makes the backend draining and enable undoes it", "[fulcrumctl]") {
  CtlSetup setup;
  setup.blue_backends = {"127.0.0.1:9", "127.0.0.1:19"};
  RunningFulcrum fulcrum(setup);

  const CommandResult drained = ctl(fulcrum, {"drain", "blue", "127.0.0.1:19"});
  INFO(drained.out << drained.err);
  CHECK(drained.exitCode() == 0);
  CHECK(drained.out == "pool \"blue\": backend 127.0.0.1:19 is draining\n");
  CHECK(backendState(setup.admin, "blue", "127.0.0.1:19") == "draining");
  CHECK(backendState(setup.admin, "blue", "127.0.0.1:9") == "up");

  const CommandResult enabled = ctl(fulcrum, {"enable", "blue", "127.0.0.1:19"});
  INFO(enabled.out << enabled.err);
  CHECK(enabled.exitCode() == 0);
  CHECK(enabled.out == "pool \"blue\": backend 127.0.0.1:19 is up\n");
  CHECK(backendState(setup.admin, "blue", "127.0.0.1:19") == "up");
}

TEST_CASE("fulcrumctl drain percent-encodes an IPv6 backend address", "[fulcrumctl]") {
  CtlSetup setup;
  setup.green_backends = {"[::1]:29"};
  RunningFulcrum fulcrum(setup);

  const CommandResult result = ctl(fulcrum, {"drain", "green", "[::1]:29"});
  INFO(result.out << result.err);
  CHECK(result.exitCode() == 0);
  CHECK(backendState(setup.admin, "green", "[::1]:29") == "draining");
}

TEST_CASE("fulcrumctl switch sends new connections to the other pool", "[fulcrumctl]") {
  IdServer blue{"blue!", IdServer::Mode::kSendAndClose};
  IdServer green{"green", IdServer::Mode::kSendAndClose};
  CtlSetup setup;
  setup.blue_backends = {localAddress(blue.port())};
  setup.green_backends = {localAddress(green.port())};
  RunningFulcrum fulcrum(setup);
  const auto reached = [&] {
    UniqueFd client = connectTcp(setup.listen, 2s);
    return client ? recvExact(client.get(), 5, 2s).value_or("") : std::string();
  };
  REQUIRE(reached() == "blue!");

  const CommandResult result = ctl(fulcrum, {"switch", "web", "green"});
  INFO(result.out << result.err);
  CHECK(result.exitCode() == 0);
  CHECK(result.out == "listener \"web\": new connections go to pool \"green\"\n");
  for (int i = 0; i < 5; ++i) CHECK(reached() == "green");
  CHECK(blue.acceptedConnections() == 1);
}

TEST_CASE("fulcrumctl reload applies the changed file", "[fulcrumctl]") {
  CtlSetup setup;
  RunningFulcrum fulcrum(setup);
  setup.blue_backends.push_back("127.0.0.1:39");
  fulcrum.process.rewriteConfig(ctlConfig(setup));

  const CommandResult result = ctl(fulcrum, {"reload"});
  INFO(result.out << result.err);
  CHECK(result.exitCode() == 0);
  CHECK(result.out == "configuration reloaded\n");
  CHECK(backendState(setup.admin, "blue", "127.0.0.1:39") == "up");
  const std::optional<MetricSamples> metrics = scrapeMetrics(setup.admin);
  REQUIRE(metrics);
  CHECK(metrics->value(R"(fulcrum_config_reloads_total{result="success"})") == std::optional<double>(1));
}

TEST_CASE("fulcrumctl reload of a broken file fails with every error and keeps the old config", "[fulcrumctl]") {
  CtlSetup setup;
  RunningFulcrum fulcrum(setup);
  setup.listener_pool = "purple";
  setup.blue_backends.push_back("127.0.0.1:39");
  fulcrum.process.rewriteConfig(ctlConfig(setup) + "\n[bogus]\n");

  const CommandResult result = ctl(fulcrum, {"reload"});
  INFO(result.out << result.err);
  CHECK(result.exitCode() == 1);
  CHECK(result.out.empty());
  CHECK(result.err.rfind("fulcrumctl: reload failed; the running configuration is unchanged (2 errors)\n", 0) == 0);
  CHECK(result.err.find("unknown pool \"purple\"") != std::string::npos);
  CHECK(result.err.find("bogus") != std::string::npos);
  CHECK(backendState(setup.admin, "blue", "127.0.0.1:39").empty());
  const std::optional<MetricSamples> metrics = scrapeMetrics(setup.admin);
  REQUIRE(metrics);
  CHECK(metrics->value(R"(fulcrum_config_reloads_total{result="failure"})") == std::optional<double>(1));
}

TEST_CASE("fulcrumctl with a wrong token exits non-zero with the API's message and changes nothing",
          "[fulcrumctl]") {
  CtlSetup setup;
  RunningFulcrum fulcrum(setup);

  const CommandResult result = ctl(fulcrum, {"--token", "wrong", "drain", "blue", "127.0.0.1:9"});
  INFO(result.out << result.err);
  CHECK(result.exitCode() == 1);
  CHECK(result.err ==
        "fulcrumctl: this call needs \"Authorization: Bearer TOKEN\" with the admin token\n");
  CHECK(backendState(setup.admin, "blue", "127.0.0.1:9") == "up");
}

TEST_CASE("fulcrumctl naming an unknown backend exits non-zero with the API's 404 message", "[fulcrumctl]") {
  CtlSetup setup;
  RunningFulcrum fulcrum(setup);

  const CommandResult result = ctl(fulcrum, {"drain", "blue", "127.0.0.1:1"});
  INFO(result.out << result.err);
  CHECK(result.exitCode() == 1);
  CHECK(result.err == "fulcrumctl: unknown backend \"127.0.0.1:1\" in pool \"blue\"\n");
}

TEST_CASE("fulcrumctl --admin and --token reach the API without a config file", "[fulcrumctl]") {
  CtlSetup setup;
  RunningFulcrum fulcrum(setup);

  const CommandResult result = runFulcrumctl(
      {"--admin", localAddress(setup.admin), "--token", std::string(kToken), "switch", "web", "green"}, 10s);
  INFO(result.out << result.err);
  CHECK(result.exitCode() == 0);
  CHECK(apiStatus(setup.admin)["listeners"][0]["pool"] == "green");
}

TEST_CASE("fulcrumctl says so when the admin API cannot be reached", "[fulcrumctl]") {
  const uint16_t closed = freeTcpPort();
  const CommandResult result = runFulcrumctl({"--admin", localAddress(closed), "status"}, 10s);
  CHECK(result.exitCode() == 3);
  CHECK(result.err.rfind(fmt::format("fulcrumctl: cannot connect to the admin API at 127.0.0.1:{}", closed), 0) == 0);
}

TEST_CASE("fulcrumctl with a config file without an admin table says so", "[fulcrumctl]") {
  TempDir dir;
  writeFile(dir.file("fulcrum.toml"), "[runtime]\nworkers = 1\n");
  const CommandResult result = runFulcrumctl({"-c", dir.file("fulcrum.toml"), "status"}, 10s);
  CHECK(result.exitCode() == 2);
  CHECK(result.err.find("has no [admin] table") != std::string::npos);
}

TEST_CASE("fulcrumctl rejects an unknown command and a missing operand", "[fulcrumctl]") {
  CHECK(runFulcrumctl({"--admin", "127.0.0.1:1", "explode"}, 10s).exitCode() == 2);
  const CommandResult missing = runFulcrumctl({"--admin", "127.0.0.1:1", "drain", "blue"}, 10s);
  CHECK(missing.exitCode() == 2);
  CHECK(missing.err.find("usage: fulcrumctl [options] drain POOL BACKEND") != std::string::npos);
}

TEST_CASE("fulcrumctl --version and --help exit 0", "[fulcrumctl]") {
  const CommandResult version = runFulcrumctl({"--version"}, 10s);
  CHECK(version.exitCode() == 0);
  CHECK(version.out == "fulcrumctl " FULCRUM_VERSION "\n");
  const CommandResult help = runFulcrumctl({"--help"}, 10s);
  CHECK(help.exitCode() == 0);
  CHECK(help.out.find("switch LISTENER POOL") != std::string::npos);
}

}  // namespace
}  // namespace fulcrum::test
