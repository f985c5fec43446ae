#pragma once
// Sends a batch of datagrams on one UDP socket with as few sendmmsg(2) calls and as
// few passes through the IP stack as the kernel allows: runs that udpSegmentRun accepts
// go as one UDP GSO message each (UDP_SEGMENT, udp(7); Linux 4.18), the rest one message
// per datagram. On loopback a run of four 64-byte datagrams costs the sender about 40 %
// less CPU per datagram than four messages (README.md, "UDP").
//
// GSO can be refused for a socket (EIO: no checksum offload on the route's device or
// an IPsec route; EINVAL or EMSGSIZE: a path MTU below kMaxUdpSegmentBytes). The run is then sent
// again datagram by datagram and the socket's `segmenting` flag is cleared for good, so
// a refusal costs one extra call once, not on every batch.
//
// The scratch arrays are the only state; one sender per worker serves all its sockets,
// and nothing is allocated per datagram.
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "lb/proxy/outgoing_datagram.h"

namespace fulcrum {

struct UdpSendResult {
  size_t datagrams = 0;  // taken by the kernel
  size_t bytes = 0;      // their payload bytes
  size_t messages = 0;   // sendmmsg messages they went in
  int first_error = 0;   // errno of the first message dropped for its own sake, else 0
};

class UdpSender {
 public:
  // Sends datagrams[0, count) on the non-blocking datagram socket `fd`, in order. Stops
  // at the first EAGAIN/ENOBUFS (the socket buffer is full: the rest is dropped, as UDP
  // may); any other error drops the message it names and the rest still goes out.
  // `segmenting` is the socket's own flag: true until the kernel refuses GSO on it.
  UdpSendResult send(int fd, const OutgoingDatagram* datagrams, size_t count, bool& segmenting);

 private:
  static constexpr size_t kMaxDatagramsPerCall = 64;

  // Lays out up to kMaxDatagramsPerCall datagrams from `datagrams` as messages; returns
  // how many messages.
  size_t plan(const OutgoingDatagram* datagrams, size_t count, bool segmenting);

  struct alignas(cmsghdr) SegmentControl {
    char bytes[CMSG_SPACE(sizeof(uint16_t))];
  };

  std::array<mmsghdr, kMaxDatagramsPerCall> messages_{};
  std::array<iovec, kMaxDatagramsPerCall> payloads_{};
  std::array<SegmentControl, kMaxDatagramsPerCall> controls_{};
  std::array<size_t, kMaxDatagramsPerCall> message_datagrams_{};
  std::array<size_t, kMaxDatagramsPerCall> message_bytes_{};
};

}  // namespace fulcrum
