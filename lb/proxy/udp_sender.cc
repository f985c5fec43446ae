#include "lb/proxy/udp_sender.h"

#include <netinet/udp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "lb/proxy/udp_segment_run.h"

namespace fulcrum {
namespace {

// Errors with which the kernel refuses a GSO send as such (udp_send_skb in
// net/ipv4/udp.c and net/ipv6/udp.c: EINVAL or, in newer kernels, EMSGSIZE for a segment
// beyond the path MTU; EIO without checksum offload), rather than anything about its
// datagrams: udpSegmentRun keeps runs within every other limit.
bool segmentationRefused(int error) {
  return error == EIO || error == EINVAL || error == EMSGSIZE || error == EOPNOTSUPP || error == ENOPROTOOPT;
}

}  // namespace

size_t UdpSender::plan(const OutgoingDatagram* datagrams, size_t count, bool segmenting) {
  count = std::min(count, kMaxDatagramsPerCall);
  size_t messages = 0;
  size_t first = 0;
  while (first < count) {
    const size_t run = segmenting ? udpSegmentRun(datagrams + first, count - first) : 1;
    size_t bytes = 0;
    for (size_t i = 0; i < run; ++i) {
      payloads_[first + i] = datagrams[first + i].payload;
      bytes += datagrams[first + i].payload.iov_len;
    }
    msghdr& header = messages_[messages].msg_hdr;
    header = msghdr{};
    header.msg_name = const_cast<sockaddr*>(datagrams[first].destination);
    header.msg_namelen = datagrams[first].destination_length;
    header.msg_iov = &payloads_[first];
    header.msg_iovlen = run;
    if (run > 1) {
      header.msg_control = controls_[messages].bytes;
      header.msg_controllen = sizeof(controls_[messages].bytes);
      cmsghdr* control = CMSG_FIRSTHDR(&header);
      control->cmsg_level = SOL_UDP;
      control->cmsg_type = UDP_SEGMENT;
      control->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const auto segment = static_cast<uint16_t>(datagrams[first].payload.iov_len);
      std::memcpy(CMSG_DATA(control), &segment, sizeof(segment));
    }
    message_datagrams_[messages] = run;
    message_bytes_[messages] = bytes;
    ++messages;
    first += run;
  }
  return messages;
}

UdpSendResult UdpSender::send(int fd, const OutgoingDatagram* datagrams, size_t count, bool& segmenting) {
  UdpSendResult result;
  size_t next = 0;  // the first datagram neither sent nor dropped
  // Each pass sends or drops at least one datagram, or clears `segmenting` (once).
  while (next < count) {
    const size_t planned = plan(datagrams + next, count - next, segmenting);
    size_t message = 0;
    while (message < planned) {
      const int sent = ::sendmmsg(fd, &messages_[message], static_cast<unsigned>(planned - message), MSG_DONTWAIT);
      if (sent > 0) {
        for (int i = 0; i < sent; ++i, ++message) {
          result.datagrams += message_datagrams_[message];
          result.bytes += message_bytes_[message];
          next += message_datagrams_[message];
        }
        result.messages += static_cast<size_t>(sent);
        continue;
      }
      const int error = sent < 0 ? errno : EAGAIN;
      if (error == EINTR) continue;
      if (error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS) return result;
      if (message_datagrams_[message] > 1 && segmentationRefused(error)) {
        segmenting = false;
        break;  // plan again from `next`, one message per datagram
      }
      if (result.first_error == 0) result.first_error = error;
      next += message_datagrams_[message];
      ++message;
    }
  }
  return result;
}

}  // namespace fulcrum
