#include "test/support/udp_echo_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "test/support/loopback_address.h"

namespace fulcrum::test {
namespace {

uint64_t peerKey(const sockaddr_in& peer) {
  return (static_cast<uint64_t>(ntohl(peer.sin_addr.s_addr)) << 16) | ntohs(peer.sin_port);
}

sockaddr_in peerAddress(uint64_t key) {
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_addr.s_addr = htonl(static_cast<uint32_t>(key >> 16));
  peer.sin_port = htons(static_cast<uint16_t>(key & 0xffff));
  return peer;
}

}  // namespace

UdpEchoServer::UdpEchoServer(std::string id) : id_(std::move(id)) {
  fd_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  stop_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!fd_ || !stop_fd_) throw std::runtime_error("socket()/eventfd() failed");
  sockaddr_in address = loopbackAddress();
  socklen_t length = sizeof(address);
  if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error(fmt::format("udp bind on 127.0.0.1:0 failed: errno {}", errno));
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

std::string UdpEchoServer::address() const { return fmt::format("127.0.0.1:{}", port_); }

size_t UdpEchoServer::distinctPeers() const {
  std::lock_guard lock(peers_mutex_);
  return peers_.size();
}

size_t UdpEchoServer::pushToPeers(std::string_view payload) {
  std::set<uint64_t> peers;
  {
    std::lock_guard lock(peers_mutex_);
    peers = peers_;
  }
  size_t sent = 0;
  for (const uint64_t key : peers) {
    const sockaddr_in peer = peerAddress(key);
    if (::sendto(fd_.get(), payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&peer),
                 sizeof(peer)) == static_cast<ssize_t>(payload.size())) {
      ++sent;
    }
  }
  return sent;
}

void UdpEchoServer::stop() {
  std::call_once(stop_once_, [this] {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t wrote = ::write(stop_fd_.get(), &one, sizeof(one));
    thread_.join();
    fd_.reset();
  });
}

void UdpEchoServer::serve() {
  // Room for the id in front of the largest datagram.
  std::vector<char> reply(id_.size() + 64 * 1024);
  std::memcpy(reply.data(), id_.data(), id_.size());
  std::array<pollfd, 2> entries{pollfd{fd_.get(), POLLIN, 0}, pollfd{stop_fd_.get(), POLLIN, 0}};
  while (true) {
    const int ready = ::poll(entries.data(), entries.size(), -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || entries[1].revents != 0) return;
    while (true) {
      sockaddr_in peer{};
      socklen_t peer_length = sizeof(peer);
      const ssize_t got = ::recvfrom(fd_.get(), reply.data() + id_.size(), reply.size() - id_.size(), 0,
                                     reinterpret_cast<sockaddr*>(&peer), &peer_length);
      if (got < 0) break;  // EAGAIN (or an ICMP error from a peer that went away)
      datagrams_.fetch_add(1);
      bytes_.fetch_add(static_cast<size_t>(got));
      {
        std::lock_guard lock(peers_mutex_);
        peers_.insert(peerKey(peer));
      }
      ::sendto(fd_.get(), reply.data(), id_.size() + static_cast<size_t>(got), 0,
               reinterpret_cast<sockaddr*>(&peer), peer_length);
    }
  }
}

}  // namespace fulcrum::test
