// UdpReplyBatch: replies queued during a loop iteration leave in one sendmmsg(2), each
// to its own client, intact; the batch refuses what it cannot hold so the caller flushes.
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <string>

#include "lb/proxy/udp_reply_batch.h"
#include "test/support/unique_fd.h"

namespace fulcrum {
namespace {

using test::UniqueFd;

// A UDP socket on 127.0.0.1 (ephemeral port) whose receives time out after 2 s.
struct LoopbackUdpSocket {
  UniqueFd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  sockaddr_in address{};

  LoopbackUdpSocket() {
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0);
    timeval timeout{2, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }

  const sockaddr* sockaddrPointer() const { return reinterpret_cast<const sockaddr*>(&address); }

  // The next datagram, or "<none>" when none comes within 2 s.
  std::string receive() const {
    std::string buffer(70000, '\0');
    const ssize_t got = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
    if (got < 0) return "<none>";
    buffer.resize(static_cast<size_t>(got));
    return buffer;
  }
};

TEST_CASE("udp reply batch: one flush delivers every queued datagram to its destination intact", "[udp]") {
  LoopbackUdpSocket sender;
  LoopbackUdpSocket first;
  LoopbackUdpSocket second;
  const std::string large(65000, 'L');
  UdpReplyBatch batch;
  REQUIRE(batch.add(first.sockaddrPointer(), "one", 3));
  REQUIRE(batch.add(second.sockaddrPointer(), large.data(), large.size()));
  REQUIRE(batch.add(first.sockaddrPointer(), "three", 5));
  CHECK(batch.flush(sender.fd.get()) == 3);
  CHECK(batch.empty());
  CHECK(first.receive() == "one");
  CHECK(first.receive() == "three");
  CHECK(second.receive() == large);
}

TEST_CASE("udp reply batch: refuses a datagram beyond kMaxDatagrams until flushed", "[udp]") {
  LoopbackUdpSocket sender;
  LoopbackUdpSocket client;
  UdpReplyBatch batch;
  for (size_t i = 0; i < UdpReplyBatch::kMaxDatagrams; ++i) REQUIRE(batch.add(client.sockaddrPointer(), "x", 1));
  CHECK_FALSE(batch.add(client.sockaddrPointer(), "y", 1));
  CHECK(batch.flush(sender.fd.get()) == UdpReplyBatch::kMaxDatagrams);
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
