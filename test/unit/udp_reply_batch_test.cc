// UdpReplyBatch: replies queued during a loop iteration leave together, each to its own
// client, intact; the batch refuses what it cannot hold so the caller flushes.
#include <catch2/catch.hpp>

#include <string>

#include "lb/proxy/udp_reply_batch.h"
#include "test/support/loopback_udp_socket.h"

namespace fulcrum {
namespace {

using test::LoopbackUdpSocket;

TEST_CASE("udp reply batch: one flush delivers every queued datagram to its destination intact", "[udp]") {
  LoopbackUdpSocket sender;
  LoopbackUdpSocket first;
  LoopbackUdpSocket second;
  const std::string large(65000, 'L');
  UdpReplyBatch batch;
  UdpSender udp_sender;
  REQUIRE(batch.add(first.sockaddrPointer(), "one", 3));
  REQUIRE(batch.add(second.sockaddrPointer(), large.data(), large.size()));
  REQUIRE(batch.add(first.sockaddrPointer(), "three", 5));
  CHECK(batch.flush(sender.fd.get(), udp_sender) == 3);
  CHECK(batch.empty());
  CHECK(first.receive() == "one");
  CHECK(first.receive() == "three");
  CHECK(second.receive() == large);
}

TEST_CASE("udp reply batch: refuses a datagram beyond kMaxDatagrams until flushed", "[udp]") {
  LoopbackUdpSocket sender;
  LoopbackUdpSocket client;
  UdpReplyBatch batch;
  UdpSender udp_sender;
  for (size_t i = 0; i < UdpReplyBatch::kMaxDatagrams; ++i) REQUIRE(batch.add(client.sockaddrPointer(), "x", 1));
  CHECK_FALSE(batch.add(client.sockaddrPointer(), "y", 1));
  CHECK(batch.flush(sender.fd.get(), udp_sender) == UdpReplyBatch::kMaxDatagrams);
  CHECK(batch.add(client.sockaddrPointer(), "y", 1));
}

TEST_CASE("udp reply batch: refuses a datagram its arena has no room for", "[udp]") {
  LoopbackUdpSocket client;
  const std::string large(65000, 'L');
  UdpReplyBatch batch;
  for (int i = 0; i < 4; ++i) REQUIRE(batch.add(client.sockaddrPointer(), large.data(), large.size()));
  CHECK_FALSE(batch.add(client.sockaddrPointer(), large.data(), large.size()));
  CHECK(batch.add(client.sockaddrPointer(), "small", 5));
  batch.clear();
  CHECK(batch.empty());
}

}  // namespace
}  // namespace fulcrum
