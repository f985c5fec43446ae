#pragma once
// Which consecutive datagrams may leave in one UDP GSO send (UDP_SEGMENT, udp(7)). The
// kernel cuts such a send into datagrams of gso_size bytes, every one but the last
// exactly that long, so a run must look like that already; the receiver then sees the
// same datagrams, boundaries and order as from separate sends, for one pass through the
// IP stack instead of one per datagram.
#include <cstddef>

#include "lb/proxy/outgoing_datagram.h"

namespace fulcrum {

// At most this many segments per send: the kernel's UDP_MAX_SEGMENTS was 64 before
// Linux 6.10 and 128 since.
constexpr size_t kMaxUdpSegments = 64;
// Segments no longer than this fit a 1500-byte MTU under IPv4 (1500 - 20 - 8) and IPv6
// (1500 - 40 - 8); a segment beyond the path MTU fails the whole send with EINVAL, since
// GSO never fragments.
constexpr size_t kMaxUdpSegmentBytes = 1452;
// A send may carry at most one IPv4 datagram's worth of payload in all (65,535 - 20 - 8).
constexpr size_t kMaxUdpSegmentRunBytes = 65507;

// How many datagrams from datagrams[0] (count > 0) can go as one send: same destination
// (or none, on a connected socket), the first non-empty and at most kMaxUdpSegmentBytes
// long, each one but the last as long as the first and the last no longer, at most
// kMaxUdpSegments and kMaxUdpSegmentRunBytes in all. 1 means "send it alone".
size_t udpSegmentRun(const OutgoingDatagram* datagrams, size_t count);

}  // namespace fulcrum
