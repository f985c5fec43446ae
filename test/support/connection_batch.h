#pragma once
// Many client connections at once, for fault tests that flood a port.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "test/support/deadline.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {

// Opens up to `count` connections to 127.0.0.1:port, one after the other (each waits
// for its handshake, at most 2 s); the ones that did not connect are left out.
std::vector<UniqueFd> connectMany(uint16_t port, int count);

// Closes every connection, alternately with FIN and with RST (SO_LINGER 0).
void closeAlternately(std::vector<UniqueFd>& connections);

// How many of `connections` the peer closed (FIN or RST) within `budget`, watching all
// of them together. Data that arrives is read and dropped.
size_t closedByPeerWithin(const std::vector<UniqueFd>& connections, Millis budget);

}  // namespace fulcrum::test
