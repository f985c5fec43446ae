#pragma once
// Client-side UDP helpers for tests: a socket bound to 127.0.0.1 with an ephemeral
// port (its own source port, so each UdpClient is one fulcrum session), and waits
// bounded by poll(2) timeouts.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "test/support/deadline.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {

struct Datagram {
  std::string payload;
  std::string source_host;  // numeric, e.g. "127.0.0.1"
  uint16_t source_port = 0;
};

class UdpClient {
 public:
  // Throws std::runtime_error when the socket cannot be made.
  UdpClient();

  int fd() const { return fd_.get(); }
  uint16_t localPort() const { return local_port_; }

  // Sends one datagram to 127.0.0.1:port; false when the kernel refused it.
  bool sendTo(uint16_t port, std::string_view payload);
  // The next datagram, or nullopt when none arrives within `timeout`.
  std::optional<Datagram> receive(Millis timeout);
  // Sends `payload` and waits for one datagram back.
  std::optional<Datagram> roundTrip(uint16_t port, std::string_view payload, Millis timeout);
  // True when no datagram arrives for `duration`.
  bool staysQuiet(Millis duration);

 private:
  UniqueFd fd_;
  uint16_t local_port_ = 0;
};

// True when a UDP socket is bound to `port` (any address), from /proc/net/udp and
// /proc/net/udp6, without sending anything.
bool isUdpPortBound(uint16_t port);

// Waits until isUdpPortBound(port); false on timeout.
bool waitForUdpPort(uint16_t port, Millis timeout);

}  // namespace fulcrum::test
