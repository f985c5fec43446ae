// UdpSender: runs of equal datagrams leave as one GSO message and still arrive as the
// same datagrams, in order; a socket that refuses GSO gets every datagram anyway and is
// not asked again.
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "lb/proxy/udp_sender.h"
#include "test/support/loopback_udp_socket.h"

namespace fulcrum {
namespace {

using test::LoopbackUdpSocket;

// Distinct payloads of the given lengths: each starts with its index, then 'a' + index.
std::vector<std::string> payloads(const std::vector<size_t>& lengths) {
  std::vector<std::string> result;
  for (size_t i = 0; i < lengths.size(); ++i) {
    std::string payload(lengths[i], static_cast<char>('a' + i));
    if (!payload.empty()) payload[0] = static_cast<char>('0' + i);
    result.push_back(payload);
  }
  return result;
}

OutgoingDatagram datagramTo(const LoopbackUdpSocket* destination, std::string& payload) {
  OutgoingDatagram datagram;
  datagram.payload = iovec{payload.data(), payload.size()};
  if (destination != nullptr) {
    datagram.destination = destination->sockaddrPointer();
    datagram.destination_length = sizeof(sockaddr_in);
  }
  return datagram;
}

TEST_CASE("udp sender: equal datagrams to one destination go as one message and arrive one by one", "[udp]") {
  LoopbackUdpSocket sender;
  LoopbackUdpSocket receiver;
  std::vector<std::string> sent = payloads({100, 100, 100, 37});
  std::vector<OutgoingDatagram> datagrams;
  for (std::string& payload : sent) datagrams.push_back(datagramTo(&receiver, payload));

  UdpSender udp_sender;
  bool segmenting = true;
  const UdpSendResult result = udp_sender.send(sender.fd.get(), datagrams.data(), datagrams.size(), segmenting);
  CHECK(result.datagrams == 4);
  CHECK(result.bytes == 337);
  CHECK(result.messages == 1);
  CHECK(result.first_error == 0);
  CHECK(segmenting);
  for (const std::string& payload : sent) CHECK(receiver.receive() == payload);
}

TEST_CASE("udp sender: on a connected socket the run needs no address", "[udp]") {
  LoopbackUdpSocket sender;
  LoopbackUdpSocket receiver;
  REQUIRE(::connect(sender.fd.get(), receiver.sockaddrPointer(), sizeof(sockaddr_in)) == 0);
  std::vector<std::string> sent = payloads({64, 64, 64, 64, 64});
  std::vector<OutgoingDatagram> datagrams;
  for (std::string& payload : sent) datagrams.push_back(datagramTo(nullptr, payload));

  UdpSender udp_sender;
  bool segmenting = true;
  const UdpSendResult result = udp_sender.send(sender.fd.get(), datagrams.data(), datagrams.size(), segmenting);
  CHECK(result.datagrams == 5);
  CHECK(result.messages == 1);
  for (const std::string& payload : sent) CHECK(receiver.receive() == payload);
}

TEST_CASE("udp sender: interleaved destinations and unequal lengths split into messages, order kept", "[udp]") {
  LoopbackUdpSocket sender;
  LoopbackUdpSocket first;
  LoopbackUdpSocket second;
  // first: 80, 80 | second: 80 | first: 20, 80 (a longer one after a shorter) -> 4 messages
  std::vector<std::string> sent = payloads({80, 80, 80, 20, 80});
  const std::vector<const LoopbackUdpSocket*> destinations = {&first, &first, &second, &first, &first};
  std::vector<OutgoingDatagram> datagrams;
  for (size_t i = 0; i < sent.size(); ++i) datagrams.push_back(datagramTo(destinations[i], sent[i]));

  UdpSender udp_sender;
  bool segmenting = true;
  const UdpSendResult result = udp_sender.send(sender.fd.get(), datagrams.data(), datagrams.size(), segmenting);
  CHECK(result.datagrams == 5);
  CHECK(result.messages == 4);
  CHECK(first.receive() == sent[0]);
  CHECK(first.receive() == sent[1]);
  CHECK(first.receive() == sent[3]);
  CHECK(first.receive() == sent[4]);
  CHECK(second.receive() == sent[2]);
}

TEST_CASE("udp sender: a socket that refuses GSO gets each datagram alone and is not asked again", "[udp]") {
  LoopbackUdpSocket sender;
  LoopbackUdpSocket receiver;
  // Without UDP checksums the kernel refuses GSO sends (EINVAL, udp_send_skb) but
  // takes plain ones.
  const int no_check = 1;
  REQUIRE(::setsockopt(sender.fd.get(), SOL_SOCKET, SO_NO_CHECK, &no_check, sizeof(no_check)) == 0);
  std::vector<std::string> sent = payloads({50, 50, 50});
  std::vector<OutgoingDatagram> datagrams;
  for (std::string& payload : sent) datagrams.push_back(datagramTo(&receiver, payload));

  UdpSender udp_sender;
  bool segmenting = true;
  UdpSendResult result = udp_sender.send(sender.fd.get(), datagrams.data(), datagrams.size(), segmenting);
  CHECK(result.datagrams == 3);
  CHECK(result.messages == 3);
  CHECK(result.first_error == 0);
  CHECK_FALSE(segmenting);
  for (const std::string& payload : sent) CHECK(receiver.receive() == payload);

  result = udp_sender.send(sender.fd.get(), datagrams.data(), datagrams.size(), segmenting);
  CHECK(result.datagrams == 3);
  CHECK(result.messages == 3);
  for (const std::string& payload : sent) CHECK(receiver.receive() == payload);
}

TEST_CASE("udp sender: a datagram the kernel rejects alone is dropped and the rest still go", "[udp]") {
  LoopbackUdpSocket sender;
  LoopbackUdpSocket receiver;
  std::string too_long(70000, 'x');  // beyond the 65,507-byte IPv4 limit: EMSGSIZE
  std::vector<std::string> sent = payloads({30, 30});
  std::vector<OutgoingDatagram> datagrams = {datagramTo(&receiver, too_long), datagramTo(&receiver, sent[0]),
                                             datagramTo(&receiver, sent[1])};
  UdpSender udp_sender;
  bool segmenting = true;
  const UdpSendResult result = udp_sender.send(sender.fd.get(), datagrams.data(), datagrams.size(), segmenting);
  CHECK(result.datagrams == 2);
  CHECK(result.bytes == 60);
  CHECK(result.first_error == EMSGSIZE);
  CHECK(segmenting);
  CHECK(receiver.receive() == sent[0]);
  CHECK(receiver.receive() == sent[1]);
}

TEST_CASE("udp sender: more datagrams than one call holds all go out, in order", "[udp]") {
  LoopbackUdpSocket sender;
  LoopbackUdpSocket receiver;
  std::vector<std::string> sent;
  for (int i = 0; i < 150; ++i) sent.push_back(std::to_string(1000 + i));  // 4 bytes each
  std::vector<OutgoingDatagram> datagrams;
  for (std::string& payload : sent) datagrams.push_back(datagramTo(&receiver, payload));

  UdpSender udp_sender;
  bool segmenting = true;
  const UdpSendResult result = udp_sender.send(sender.fd.get(), datagrams.data(), datagrams.size(), segmenting);
  CHECK(result.datagrams == 150);
  CHECK(result.messages == 3);  // runs of 64, 64 and 22
  for (const std::string& payload : sent) CHECK(receiver.receive() == payload);
}

}  // namespace
}  // namespace fulcrum
