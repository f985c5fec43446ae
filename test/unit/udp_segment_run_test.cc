// udpSegmentRun: which consecutive datagrams can share one UDP GSO send. Pure: checked
// on hand-made lists, no sockets.
#include <catch2/catch.hpp>
#include <netinet/in.h>

#include <vector>

#include "lb/proxy/udp_segment_run.h"
#include "test/support/loopback_address.h"

namespace fulcrum {
namespace {

const sockaddr_in kClientA = test::loopbackAddress(4000);
const sockaddr_in kClientB = test::loopbackAddress(4001);
const sockaddr_in kClientACopy = test::loopbackAddress(4000);

OutgoingDatagram to(const sockaddr_in& destination, size_t length) {
  return OutgoingDatagram{iovec{nullptr, length}, reinterpret_cast<const sockaddr*>(&destination),
                          sizeof(sockaddr_in)};
}

OutgoingDatagram connected(size_t length) { return OutgoingDatagram{iovec{nullptr, length}, nullptr, 0}; }

size_t run(const std::vector<OutgoingDatagram>& datagrams) {
  return udpSegmentRun(datagrams.data(), datagrams.size());
}

TEST_CASE("udp segment run: equal datagrams and a shorter last one form one run", "[udp]") {
  CHECK(run({connected(100), connected(100), connected(100), connected(37)}) == 4);
  CHECK(run({to(kClientA, 64), to(kClientA, 64)}) == 2);
}

TEST_CASE("udp segment run: a shorter datagram ends the run", "[udp]") {
  CHECK(run({connected(100), connected(50), connected(50)}) == 2);
}

TEST_CASE("udp segment run: a longer datagram starts a new run", "[udp]") {
  CHECK(run({connected(50), connected(100)}) == 1);
  CHECK(run({connected(100), connected(100), connected(101)}) == 2);
}

TEST_CASE("udp segment run: another destination starts a new run; equal addresses are one destination", "[udp]") {
  CHECK(run({to(kClientA, 64), to(kClientB, 64), to(kClientA, 64)}) == 1);
  CHECK(run({to(kClientA, 64), to(kClientACopy, 64)}) == 2);
  CHECK(run({connected(64), to(kClientA, 64)}) == 1);
}

TEST_CASE("udp segment run: empty datagrams go alone", "[udp]") {
  CHECK(run({connected(0), connected(0)}) == 1);
  CHECK(run({connected(10), connected(0)}) == 1);
}

TEST_CASE("udp segment run: datagrams longer than kMaxUdpSegmentBytes go alone", "[udp]") {
  CHECK(run({connected(kMaxUdpSegmentBytes), connected(kMaxUdpSegmentBytes)}) == 2);
  CHECK(run({connected(kMaxUdpSegmentBytes + 1), connected(kMaxUdpSegmentBytes + 1)}) == 1);
}

TEST_CASE("udp segment run: at most kMaxUdpSegments datagrams", "[udp]") {
  CHECK(run(std::vector<OutgoingDatagram>(kMaxUdpSegments + 10, connected(8))) == kMaxUdpSegments);
}

TEST_CASE("udp segment run: at most kMaxUdpSegmentRunBytes in all", "[udp]") {
  const size_t fit = kMaxUdpSegmentRunBytes / kMaxUdpSegmentBytes;  // 45 of 1452 bytes
  REQUIRE(fit < kMaxUdpSegments);
  CHECK(run(std::vector<OutgoingDatagram>(kMaxUdpSegments, connected(kMaxUdpSegmentBytes))) == fit);
}

TEST_CASE("udp segment run: a single datagram is a run of one", "[udp]") { CHECK(run({connected(64)}) == 1); }

}  // namespace
}  // namespace fulcrum
