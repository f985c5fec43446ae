#pragma once
// One datagram on its way out of a UDP socket: where its bytes are and, on an
// unconnected socket, where it goes.
#include <sys/socket.h>
#include <sys/uio.h>

namespace fulcrum {

struct OutgoingDatagram {
  iovec payload{};
  const sockaddr* destination = nullptr;  // null on a connected socket
  socklen_t destination_length = 0;
};

}  // namespace fulcrum
