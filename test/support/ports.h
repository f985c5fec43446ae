#pragma once
// Loopback ports for tests to bind later (a listener in a config file, say). A port is
// free when returned. It comes from outside the kernel's ephemeral range
// (net.ipv4.ip_local_port_range), because a port from inside it can be taken by any
// outgoing connect() on the machine before the test binds it: with ctest running
// suites in parallel that happened ("bind 127.0.0.1:35469: Address already in use").
// Another test process may still pick the same port in the same instant; each process
// walks the range from its own random start, which makes that unlikely.
#include <cstdint>
#include <utility>

namespace fulcrum::test {

// A TCP port that 127.0.0.1 can bind now, outside the ephemeral range; when the machine
// leaves no room outside it, a port the kernel chose (bind to port 0).
uint16_t freeTcpPort();
// Same with UDP.
uint16_t freeUdpPort();

// The ports freeTcpPort and freeUdpPort choose from, both ends included: the larger
// stretch of [10000, 65535] below or above `ephemeral` (first, last) if it holds at least
// 2,000 ports, else {0, 0}.
std::pair<uint16_t, uint16_t> testPortRange(std::pair<uint16_t, uint16_t> ephemeral);

// net.ipv4.ip_local_port_range, or Linux's default (32768, 60999) when unreadable.
std::pair<uint16_t, uint16_t> ephemeralPortRange();

// True when /proc/net/tcp or /proc/net/tcp6 shows a socket in LISTEN state on `port`.
// Unlike a connect probe it creates no connection, so it does not disturb what a
// balancer or a backend counts.
bool isTcpPortListening(uint16_t port);

}  // namespace fulcrum::test
