// Self-tests of the process side of the test support library (test/support).
#include <sys/socket.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "lb/config/loader.h"
#include "test/support/proxy_config.h"
#include "test/support/run_command.h"
#include "test/support/temp_dir.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("runCommand captures stdout, stderr and the exit code", "[support]") {
  const CommandResult result = runCommand({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 5s);
  REQUIRE(result.status.has_value());
  CHECK(result.exitCode() == 3);
  CHECK(result.out == "out\n");
  CHECK(result.err == "err\n");
}

TEST_CASE("runCommand kills a command that outlives its timeout", "[support]") {
  const auto start = Clock::now();
  const CommandResult result = runCommand({"/bin/sleep", "30"}, 300ms);
  CHECK_FALSE(result.status.has_value());
  CHECK(result.exitCode() == -1);
  CHECK(Clock::now() - start < 2s);
}

TEST_CASE("a missing executable shows as exit 127", "[support]") {
  const CommandResult result = runCommand({"/nonexistent/fulcrum-test-binary"}, 5s);
  CHECK(result.exitCode() == 127);
}

TEST_CASE("spawned processes inherit no descriptor besides stdio", "[support]") {
  // Without SOCK_CLOEXEC on purpose: the spawner itself must keep it from the child.
  UniqueFd leaky(::socket(AF_INET, SOCK_STREAM, 0));
  REQUIRE(leaky);
  const CommandResult result = runCommand({"/bin/sh", "-c", "ls /proc/$$/fd"}, 5s);
  REQUIRE(result.exitCode() == 0);
  CHECK(result.out.find(std::to_string(leaky.get()) + "\n") == std::string::npos);
  CHECK(result.out.find("0\n1\n2\n") == 0);
}

TEST_CASE("TempDir is removed with its contents", "[support]") {
  std::string path;
  {
    TempDir dir;
    path = dir.path();
    writeFile(dir.file("a.txt"), "hello");
    CHECK(readFile(dir.file("a.txt")) == "hello");
    CHECK(std::filesystem::is_directory(path));
  }
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("ExitStatus describes exits and signals", "[support]") {
  CHECK(ExitStatus{0}.describe() == "exit 0");
  CHECK(ExitStatus{2 << 8}.describe() == "exit 2");
  CHECK(ExitStatus{2 << 8}.exitedWith(2));
  CHECK(ExitStatus{9}.signaled());
  CHECK(ExitStatus{9}.code() == -1);
}

TEST_CASE("tcpProxyConfig names every port and setting", "[support]") {
  TcpProxySpec spec;
  spec.listen_port = 4000;
  spec.backend_ports = {5001, 5002};
  spec.idle_timeout = "500ms";
  spec.max_connections = 2;
  const std::string text = tcpProxyConfig(spec);
  CHECK(text.find("bind = \"127.0.0.1:4000\"") != std::string::npos);
  CHECK(text.find("address = \"127.0.0.1:5001\"") != std::string::npos);
  CHECK(text.find("address = \"127.0.0.1:5002\"") != std::string::npos);
  CHECK(text.find("idle_timeout = \"500ms\"") != std::string::npos);
  CHECK(text.find("max_connections = 2\n") != std::string::npos);
  CHECK(text.find("withdraw_delay") == std::string::npos);
  CHECK(text.find("drain_timeout") == std::string::npos);
  CHECK(text.find("[admin]") == std::string::npos);
}

TEST_CASE("tcpProxyConfig output is accepted by the real config loader", "[support]") {
  TcpProxySpec spec;
  spec.listen_port = 4000;
  spec.backend_ports = {5001, 5002};
  spec.withdraw_delay = "0s";
  spec.connect_timeout = "300ms";
  const config::LoadResult loaded = config::parseConfig(tcpProxyConfig(spec), "spec.toml");
  for (const auto& error : loaded.errors) INFO(error.format());
  REQUIRE(loaded.ok());
  REQUIRE(loaded.config->listeners.size() == 1);
  CHECK(loaded.config->listeners[0].bind.text == "127.0.0.1:4000");
  CHECK(loaded.config->listeners[0].connect_timeout == std::chrono::milliseconds(300));
  CHECK(loaded.config->runtime.workers == 2);
  REQUIRE(loaded.config->pools.size() == 1);
  CHECK(loaded.config->pools[0].backends.size() == 2);
  CHECK(loaded.config->pools[0].health_check.type == config::HealthCheckType::kNone);
  CHECK_FALSE(loaded.config->admin.enabled);
}

TEST_CASE("tcpProxyConfig writes the admin table, the names and drain_timeout it is given", "[support]") {
  TcpProxySpec spec;
  spec.listen_port = 4000;
  spec.backend_ports = {5001};
  spec.listener_name = "web";
  spec.pool_name = "blue";
  spec.drain_timeout = "1500ms";
  spec.admin_port = 4001;
  spec.admin_token = "s3cret";
  const config::LoadResult loaded = config::parseConfig(tcpProxyConfig(spec), "spec.toml");
  for (const auto& error : loaded.errors) INFO(error.format());
  REQUIRE(loaded.ok());
  CHECK(loaded.config->admin.enabled);
  CHECK(loaded.config->admin.bind.text == "127.0.0.1:4001");
  CHECK(loaded.config->admin.token == "s3cret");
  REQUIRE(loaded.config->listeners.size() == 1);
  CHECK(loaded.config->listeners[0].name == "web");
  CHECK(loaded.config->listeners[0].pool == "blue");
  REQUIRE(loaded.config->pools.size() == 1);
  CHECK(loaded.config->pools[0].name == "blue");
  CHECK(loaded.config->pools[0].drain_timeout == std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace fulcrum::test
