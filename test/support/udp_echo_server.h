#pragma once
// A UDP backend for proxy tests: on 127.0.0.1 (ephemeral port) it answers every datagram
// with `id` followed by the datagram, from its own thread. It remembers which source
// addresses sent to it: behind fulcrum each source is one session's connected socket,
// so distinctPeers() counts the sessions that reached this backend.
#include <netinet/in.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "test/support/unique_fd.h"

namespace fulcrum::test {

class UdpEchoServer {
 public:
  // Throws std::runtime_error when it cannot bind.
  explicit UdpEchoServer(std::string id);
  ~UdpEchoServer() { stop(); }
  UdpEchoServer(const UdpEchoServer&) = delete;
  UdpEchoServer& operator=(const UdpEchoServer&) = delete;

  uint16_t port() const { return port_; }
  const std::string& id() const { return id_; }
  // "127.0.0.1:PORT", as a pool's backend address.
  std::string address() const;

  size_t datagramsReceived() const { return datagrams_.load(); }
  size_t bytesReceived() const { return bytes_.load(); }
  // Distinct source addresses seen so far (one per session behind fulcrum).
  size_t distinctPeers() const;

  // Sends `payload` (without the id) to every source seen so far: traffic that starts
  // on the backend side. Returns how many datagrams were sent.
  size_t pushToPeers(std::string_view payload);

  // Stops answering and closes the socket (later datagrams draw ICMP port unreachable).
  // Idempotent.
  void stop();

 private:
  void serve();

  const std::string id_;
  UniqueFd fd_;
  UniqueFd stop_fd_;  // eventfd, readable once stop() wrote to it
  uint16_t port_ = 0;
  std::atomic<size_t> datagrams_{0};
  std::atomic<size_t> bytes_{0};
  mutable std::mutex peers_mutex_;
  std::set<uint64_t> peers_;  // IPv4 address << 16 | port, both in host order
  std::once_flag stop_once_;
  std::thread thread_;
};

}  // namespace fulcrum::test
