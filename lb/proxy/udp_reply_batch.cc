#include "lb/proxy/udp_reply_batch.h"

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
  datagrams_[count_] = OutgoingDatagram{iovec{copy, length}, &address.any, address_length};
  ++count_;
  return true;
}

size_t UdpReplyBatch::flush(int fd, UdpSender& sender) {
  const size_t sent = sender.send(fd, datagrams_.data(), count_, segmenting_).datagrams;
  clear();
  return sent;
}

}  // namespace fulcrum
