#pragma once
// A loopback port where connects hang: a socket listening with backlog 0 whose accept
// queue is already full (one connection from this object sits in it, never accepted).
// Linux then drops further SYNs instead of answering, so the connecting side sees
// neither SYN-ACK nor RST until its own timeout — a backend that "never accepts".
#include <cstdint>

#include "test/support/unique_fd.h"

namespace fulcrum::test {

class BlackholeListener {
 public:
  // Throws std::runtime_error when the queue cannot be filled.
  BlackholeListener();

  uint16_t port() const { return port_; }

 private:
  UniqueFd listener_;
  UniqueFd filler_;
  uint16_t port_ = 0;
};

}  // namespace fulcrum::test
