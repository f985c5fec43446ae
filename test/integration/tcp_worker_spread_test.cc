// With several workers every one of them serves connections: each binds its own
// SO_REUSEPORT socket and the kernel hashes new connections across them (socket(7)).
// Workers are told apart by their thread names ("fulcrum-w<N>") and measured by their
// own read syscalls (/proc/PID/task/TID/io, proc(5)).
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

// Read syscalls so far of each of the process's threads named fulcrum-w*, by name.
std::map<std::string, uint64_t> workerReadSyscalls(pid_t pid) {
  std::map<std::string, uint64_t> reads;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    if (!name.starts_with("fulcrum-w")) continue;
    std::ifstream io(task.path() / "io");
    std::string key;
    uint64_t value = 0;
    while (io >> key >> value) {
      if (key == "syscr:") reads[name] = value;
    }
  }
  return reads;
}

TEST_CASE("with two workers both accept and serve connections", "[tcp][workers]") {
  EchoServer echo;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {echo.port()}, .workers = 2}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  const auto before = workerReadSyscalls(fulcrum.pid());
  REQUIRE(before.size() == 2);
  REQUIRE(before.count("fulcrum-w0") == 1);
  REQUIRE(before.count("fulcrum-w1") == 1);

  // 200 connections from distinct source ports: all landing on one worker by chance
  // has probability 2^-199.
  int served = 0;
  for (int i = 0; i < 200; ++i) {
    UniqueFd client = connectTcp(port, 2s);
    if (client && sendAll(client.get(), "ping", 1s) && recvExact(client.get(), 4, 2s) == std::optional<std::string>("ping")) {
      ++served;
    }
  }
  REQUIRE(served == 200);
  const auto after = workerReadSyscalls(fulcrum.pid());
  // Each connection a worker serves costs it at least two reads (client and backend).
  for (const auto& [name, reads] : before) {
    INFO(name << ": " << reads << " -> " << after.at(name) << " read syscalls");
    CHECK(after.at(name) >= reads + 20);
  }
}

}  // namespace
}  // namespace fulcrum::test
