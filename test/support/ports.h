#pragma once
// Ephemeral loopback ports for tests. The port is free when returned; another process
// could take it before the test binds it, which is rare enough on a test machine.
#include <cstdint>

namespace fulcrum::test {

// Binds 127.0.0.1:0 with TCP, reads the port the kernel chose, closes the socket.
uint16_t freeTcpPort();
// Same with UDP.
uint16_t freeUdpPort();

// True when /proc/net/tcp or /proc/net/tcp6 shows a socket in LISTEN state on `port`.
// Unlike a connect probe it creates no connection, so it does not disturb what a
// balancer or a backend counts.
bool isTcpPortListening(uint16_t port);

}  // namespace fulcrum::test
