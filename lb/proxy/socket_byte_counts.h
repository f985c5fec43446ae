#pragma once
// Bytes a TCP socket has carried, as the kernel counts them (TCP_INFO, RFC 4898's
// tcpEStatsAppHCThruOctetsReceived/Acked). Reading them once at close is how the access
// log learns a connection's byte counts without counting on the data path.
#include <cstdint>

namespace fulcrum {

struct SocketByteCounts {
  uint64_t received = 0;  // payload bytes received from the peer
  uint64_t acked = 0;     // payload bytes sent and acknowledged by the peer
};

// Zeros when `fd` is not a TCP socket or the kernel does not report them.
SocketByteCounts socketByteCounts(int fd);

}  // namespace fulcrum
