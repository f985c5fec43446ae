#include "test/support/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "test/support/loopback_address.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {
namespace {

uint16_t freePort(int type) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd) throw std::runtime_error("socket() failed");
  sockaddr_in address = loopbackAddress();
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    throw std::runtime_error("bind(127.0.0.1:0) failed");
  }
  socklen_t length = sizeof(address);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("getsockname() failed");
  }
  return ntohs(address.sin_port);
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

uint16_t freeTcpPort() { return freePort(SOCK_STREAM); }
uint16_t freeUdpPort() { return freePort(SOCK_DGRAM); }

bool isTcpPortListening(uint16_t port) {
  return procTableHasListener("/proc/net/tcp", port) || procTableHasListener("/proc/net/tcp6", port);
}

}  // namespace fulcrum::test
