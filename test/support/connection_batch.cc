#include "test/support/connection_batch.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "test/support/tcp_client.h"

namespace fulcrum::test {

std::vector<UniqueFd> connectMany(uint16_t port, int count) {
  std::vector<UniqueFd> connected;
  for (int i = 0; i < count; ++i) {
    UniqueFd fd = connectTcp(port, Millis(2000));
    if (fd) connected.push_back(std::move(fd));
  }
  return connected;
}

void closeAlternately(std::vector<UniqueFd>& connections) {
  for (size_t i = 0; i < connections.size(); ++i) {
    if (i % 2 == 0) {
      connections[i].reset();
    } else {
      resetConnection(std::move(connections[i]));
    }
  }
  connections.clear();
}

size_t closedByPeerWithin(const std::vector<UniqueFd>& connections, Millis budget) {
  std::vector<bool> closed(connections.size(), false);
  size_t closed_count = 0;
  const Deadline deadline(budget);
  while (closed_count < connections.size() && !deadline.expired()) {
    std::vector<pollfd> polled;
    std::vector<size_t> index;
    for (size_t i = 0; i < connections.size(); ++i) {
      if (closed[i]) continue;
      polled.push_back(pollfd{connections[i].get(), POLLIN, 0});
      index.push_back(i);
    }
    if (::poll(polled.data(), polled.size(), std::min(deadline.pollTimeout(), 100)) <= 0) continue;
    for (size_t k = 0; k < polled.size(); ++k) {
      if (polled[k].revents == 0) continue;
      char buffer[512];
      const ssize_t got = ::recv(polled[k].fd, buffer, sizeof(buffer), 0);
      if (got == 0 || (got < 0 && errno != EAGAIN)) {
        closed[index[k]] = true;
        ++closed_count;
      }
    }
  }
  return closed_count;
}

}  // namespace fulcrum::test
