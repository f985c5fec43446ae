#pragma once
#include <string>

#include "common/socket_address.h"

namespace fulcrum {

// A bound, non-blocking socket with SO_REUSEADDR and SO_REUSEPORT, so that every worker
// binds its own socket to the same address and the kernel spreads new connections
// (or UDP flows) across them without a shared accept lock (socket(7), SO_REUSEPORT).
// libuv 1.44 has no UV_TCP_REUSEPORT, hence the hand-made socket for uv_tcp_open /
// uv_udp_open. `type` is SOCK_STREAM (then also listening) or SOCK_DGRAM. Returns the
// fd, or -1 with *error set.
int openReusePortSocket(const SocketAddress& address, int type, std::string* error);

}  // namespace fulcrum
