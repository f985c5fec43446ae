// runtime.user: fulcrum binds as root, then runs as the named user (issue "Operator
// experience"). Switching users needs root; the tests that switch skip when not root.
#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "test/support/backends.h"
#include "test/support/config_edits.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/run_command.h"
#include "test/support/tcp_client.h"
#include "test/support/temp_dir.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

// The "Uid:" or "Gid:" line of /proc/PID/status: real, effective, saved, filesystem.
std::string idLine(pid_t pid, const std::string& key) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(key + ":")) return line;
  }
  return "";
}

TEST_CASE("with runtime.user fulcrum runs as that user after binding and still proxies", "[privileges]") {
  if (geteuid() != 0) {
    WARN("not root: switching users cannot be tested");
    return;
  }
  const passwd* nobody = getpwnam("nobody");
  REQUIRE(nobody != nullptr);
  EchoServer backend;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(withRuntimeKeys(tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}}),
                                         "user = \"nobody\"\n"));
  REQUIRE(fulcrum.waitForLog("running as user \"nobody\"", 10s));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  const uint32_t uid = nobody->pw_uid;
  const uint32_t gid = nobody->pw_gid;
  CHECK(idLine(fulcrum.pid(), "Uid") == fmt::format("Uid:\t{0}\t{0}\t{0}\t{0}", uid));
  CHECK(idLine(fulcrum.pid(), "Gid") == fmt::format("Gid:\t{0}\t{0}\t{0}\t{0}", gid));

  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), "after the switch", 2s));
  CHECK(recvExact(client.get(), 16, 5s) == std::optional<std::string>("after the switch"));
}

TEST_CASE("an unknown runtime.user stops fulcrum at start with exit 2 and names the user", "[privileges]") {
  TempDir dir;
  const std::string config_path = dir.file("fulcrum.toml");
  writeFile(config_path, withRuntimeKeys(tcpProxyConfig({.listen_port = freeTcpPort(), .backend_ports = {9}}),
                                         "user = \"no-such-user-fulcrum\"\n"));
  const CommandResult result = runFulcrum({"-c", config_path});
  CHECK(result.exitCode() == 2);
  CHECK(result.err.find("runtime.user: no user named \"no-such-user-fulcrum\"") != std::string::npos);
}

}  // namespace
}  // namespace fulcrum::test
