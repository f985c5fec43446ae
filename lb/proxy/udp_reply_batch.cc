#include "lb/proxy/udp_reply_batch.h"

#include <cerrno>
#include <cstring>

namespace fulcrum {

bool UdpReplyBatch::add(const sockaddr* destination, const char* data, size_t length) {
  if (count_ == kMaxDatagrams || kArenaBytes - arena_used_ < length) return false;
  if (!arena_) arena_.reset(new char[kArenaBytes]);
  char* copy = arena_.get() + arena_used_;
  std::memcpy(copy, data, length);
  arena_used_ += length;
  Address& address = destinations_[count_];
  const socklen_t address_length = destination->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  std::memcpy(&address, destination, address_length);
  payloads_[count_] = iovec{copy, length};
  msghdr& header = messages_[count_].msg_hdr;
  header = msghdr{};
  header.msg_name = &address;
  header.msg_namelen = address_length;
  header.msg_iov = &payloads_[count_];
  header.msg_iovlen = 1;
  ++count_;
  return true;
}

size_t UdpReplyBatch::flush(int fd) {
  size_t next = 0;
  size_t sent = 0;
  // Each call either sends at least one datagram or gives up one, so this ends after at
  // most count_ calls.
  while (next < count_) {
    const int result = ::sendmmsg(fd, &messages_[next], static_cast<unsigned>(count_ - next), MSG_DONTWAIT);
    if (result > 0) {
      next += static_cast<size_t>(result);
      sent += static_cast<size_t>(result);
      continue;
    }
    if (result < 0 && errno == EINTR) continue;
    // The socket buffer is full: the rest would fail the same way.
    if (result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) break;
    ++next;  // an error about this datagram alone (e.g. EMSGSIZE): drop it, send the rest
  }
  clear();
  return sent;
}

}  // namespace fulcrum
