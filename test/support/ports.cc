#include "test/support/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "test/support/loopback_address.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {
namespace {

constexpr uint32_t kLowestTestPort = 10000;
constexpr uint32_t kHighestPort = 65535;
constexpr uint32_t kMinimumTestPorts = 2000;
constexpr int kAttempts = 500;

// Binds 127.0.0.1:port (0: the kernel chooses) without SO_REUSEADDR, so that a port
// with any socket on it, even one in TIME_WAIT, counts as taken. Returns the bound
// port, or 0 when the bind failed.
uint16_t bindOnce(int type, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd) throw std::runtime_error("socket() failed");
  sockaddr_in address = loopbackAddress(port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return 0;
  socklen_t length = sizeof(address);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("getsockname() failed");
  }
  return ntohs(address.sin_port);
}

uint16_t freePort(int type) {
  static const std::pair<uint16_t, uint16_t> range = testPortRange(ephemeralPortRange());
  if (range.first != 0) {
    const uint32_t span = uint32_t{range.second} - range.first + 1;
    static std::atomic<uint32_t> next{std::random_device{}() % span};
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      const auto port = static_cast<uint16_t>(range.first + next.fetch_add(1) % span);
      if (bindOnce(type, port) != 0) return port;
    }
  }
  const uint16_t port = bindOnce(type, 0);
  if (port == 0) throw std::runtime_error("bind(127.0.0.1:0) failed");
  return port;
}

// Format of /proc/net/tcp: see proc(5). Columns: sl local_address rem_address st ...,
// local_address is HEXIP:HEXPORT and st 0A is TCP_LISTEN.
bool procTableHasListener(const char* path, uint16_t port) {
  std::ifstream table(path);
  std::string line;
  std::getline(table, line);  // header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state)) continue;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    const unsigned long local_port = std::stoul(local.substr(colon + 1), nullptr, 16);
    if (local_port == port && state == "0A") return true;
  }
  return false;
}

}  // namespace

std::pair<uint16_t, uint16_t> testPortRange(std::pair<uint16_t, uint16_t> ephemeral) {
  const uint32_t below_last = ephemeral.first > 0 ? ephemeral.first - 1u : 0u;
  const uint32_t below = below_last >= kLowestTestPort ? below_last - kLowestTestPort + 1 : 0;
  const uint32_t above_first = uint32_t{ephemeral.second} + 1;
  const uint32_t above_start = above_first > kLowestTestPort ? above_first : kLowestTestPort;
  const uint32_t above = above_start <= kHighestPort ? kHighestPort - above_start + 1 : 0;
  if (below >= above && below >= kMinimumTestPorts) {
    return {static_cast<uint16_t>(kLowestTestPort), static_cast<uint16_t>(below_last)};
  }
  if (above >= kMinimumTestPorts) {
    return {static_cast<uint16_t>(above_start), static_cast<uint16_t>(kHighestPort)};
  }
  return {0, 0};
}

std::pair<uint16_t, uint16_t> ephemeralPortRange() {
  std::ifstream file("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned first = 0, last = 0;
  if (file >> first >> last && first <= last && last <= kHighestPort) {
    return {static_cast<uint16_t>(first), static_cast<uint16_t>(last)};
  }
  return {32768, 60999};
}

uint16_t freeTcpPort() { return freePort(SOCK_STREAM); }
uint16_t freeUdpPort() { return freePort(SOCK_DGRAM); }

bool isTcpPortListening(uint16_t port) {
  return procTableHasListener("/proc/net/tcp", port) || procTableHasListener("/proc/net/tcp6", port);
}

}  // namespace fulcrum::test
