#include "lb/proxy/udp_segment_run.h"

#include <cstring>

namespace fulcrum {
namespace {

bool sameDestination(const OutgoingDatagram& a, const OutgoingDatagram& b) {
  if (a.destination == nullptr || b.destination == nullptr) return a.destination == b.destination;
  return a.destination_length == b.destination_length &&
         std::memcmp(a.destination, b.destination, a.destination_length) == 0;
}

}  // namespace

size_t udpSegmentRun(const OutgoingDatagram* datagrams, size_t count) {
  const size_t segment = datagrams[0].payload.iov_len;
  if (segment == 0 || segment > kMaxUdpSegmentBytes) return 1;
  size_t run = 1;
  size_t bytes = segment;
  while (run < count && run < kMaxUdpSegments) {
    const OutgoingDatagram& next = datagrams[run];
    const size_t length = next.payload.iov_len;
    if (length == 0 || length > segment || bytes + length > kMaxUdpSegmentRunBytes) break;
    if (!sameDestination(datagrams[0], next)) break;
    bytes += length;
    ++run;
    if (length < segment) break;  // a short segment can only be the last
  }
  return run;
}

}  // namespace fulcrum
