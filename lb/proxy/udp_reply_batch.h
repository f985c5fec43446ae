#pragma once
// Replies to a UDP listener's clients, gathered while the worker handles one round of
// readable sockets and sent together by a UdpSender (sendmmsg(2), consecutive replies
// to one client as one GSO send) instead of one sendmsg(2) each. Every reply leaves
// from the listener's socket (to different clients), so one call can carry them all;
// the session sockets' recvmmsg batches, by contrast, each yield a handful. libuv 1.44
// has no sendmmsg API, so the batch writes to the listener's file descriptor itself.
//
// The payload is copied: it sits in the worker's shared receive buffer, which the next
// socket's read overwrites before the batch is sent. The arena is allocated on first
// use and reused; nothing is allocated per datagram.
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <memory>

#include "lb/proxy/outgoing_datagram.h"
#include "lb/proxy/udp_sender.h"

namespace fulcrum {

class UdpReplyBatch {
 public:
  static constexpr size_t kMaxDatagrams = 64;
  // Holds kMaxDatagrams small replies or at least three of the largest (64 KiB).
  static constexpr size_t kArenaBytes = 256 * 1024;

  bool empty() const { return count_ == 0; }

  // Queues a copy of `data` for `destination` (AF_INET or AF_INET6). False when the
  // batch is full or its arena has no room: flush, then add again.
  bool add(const sockaddr* destination, const char* data, size_t length);

  // Sends every queued datagram on the datagram socket `fd` with `sender` and empties
  // the batch. Returns how many the kernel took; the others are dropped, as UDP may.
  size_t flush(int fd, UdpSender& sender);

  // Drops everything queued.
  void clear() {
    count_ = 0;
    arena_used_ = 0;
  }

 private:
  union Address {
    sockaddr any;
    sockaddr_in v4;
    sockaddr_in6 v6;
  };

  std::unique_ptr<char[]> arena_;
  size_t arena_used_ = 0;
  size_t count_ = 0;
  std::array<OutgoingDatagram, kMaxDatagrams> datagrams_{};
  std::array<Address, kMaxDatagrams> destinations_{};
  bool segmenting_ = true;  // the socket's GSO flag (UdpSender::send)
};

}  // namespace fulcrum
