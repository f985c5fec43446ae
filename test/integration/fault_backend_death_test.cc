// Fault: a backend process is killed while 50 connections stream through fulcrum
// (issue #10, "Fault tests"). Clients of the dead backend must be closed promptly, the
// other backend's clients must finish byte for byte, and fulcrum must keep serving.
#include <poll.h>
#include <sys/socket.h>

#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "test/support/backends.h"
#include "test/support/forked_echo_server.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

constexpr int kStreams = 50;
constexpr size_t kHealthyBytes = 2 * 1024 * 1024;
constexpr size_t kDoomedBytes = size_t{1} << 30;  // more than can flow before the kill
constexpr size_t kStreamingBeforeKill = 128 * 1024;
constexpr Millis kCloseBound(3000);

// The byte at `offset` of stream `id`: position-dependent, so a lost, duplicated or
// reordered chunk shows.
char patternByte(int id, size_t offset) {
  return static_cast<char>((offset * 131 + (offset >> 13) + static_cast<size_t>(id) * 7) & 0xff);
}

// Two listeners so that it is known which clients go to which backend.
std::string twoListenerConfig(uint16_t doomed_listen, uint16_t doomed_backend, uint16_t healthy_listen,
                              uint16_t healthy_backend) {
  std::string text = "[runtime]\nworkers = 2\nshutdown_grace = \"5s\"\n";
  for (const auto& [name, listen, backend] :
       {std::tuple{"doomed", doomed_listen, doomed_backend}, std::tuple{"healthy", healthy_listen, healthy_backend}}) {
    text += fmt::format(
        "\n[[listeners]]\nname = \"{0}\"\nbind = \"127.0.0.1:{1}\"\npool = \"{0}\"\n"
        "connect_timeout = \"1s\"\nretries = 0\n"
        "\n[[pools]]\nname = \"{0}\"\n  [[pools.backends]]\n  address = \"127.0.0.1:{2}\"\n",
        name, listen, backend);
  }
  return text;
}

struct Stream {
  int id = 0;
  bool doomed = false;
  UniqueFd fd;
  size_t target = 0;
  size_t sent = 0;
  size_t received = 0;
  bool write_shut = false;
  bool ended = false;       // EOF or reset seen (or the send side failed)
  bool corrupt = false;     // a byte differed from the pattern
  Clock::time_point ended_at{};
};

// One round of non-blocking I/O on every stream that has not ended: send the next chunk
// of the pattern, read and verify what came back, and half-close a healthy stream once
// its whole echo is back.
void pumpOnce(std::vector<Stream>& streams, int poll_ms) {
  std::vector<pollfd> polled;
  std::vector<Stream*> owners;
  for (Stream& stream : streams) {
    if (stream.ended) continue;
    const bool more_to_send = stream.sent < stream.target;
    polled.push_back(pollfd{stream.fd.get(), static_cast<short>(POLLIN | (more_to_send ? POLLOUT : 0)), 0});
    owners.push_back(&stream);
  }
  if (polled.empty() || ::poll(polled.data(), polled.size(), poll_ms) <= 0) return;
  static char chunk[16 * 1024];
  for (size_t i = 0; i < polled.size(); ++i) {
    Stream& stream = *owners[i];
    if ((polled[i].revents & POLLOUT) != 0 && stream.sent < stream.target) {
      const size_t length = std::min(sizeof(chunk), stream.target - stream.sent);
      for (size_t k = 0; k < length; ++k) chunk[k] = patternByte(stream.id, stream.sent + k);
      const ssize_t written = ::send(stream.fd.get(), chunk, length, MSG_NOSIGNAL);
      if (written > 0) stream.sent += static_cast<size_t>(written);
      if (written < 0 && errno != EAGAIN) {
        stream.ended = true;
        stream.ended_at = Clock::now();
        continue;
      }
    }
    if ((polled[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    const ssize_t got = ::recv(stream.fd.get(), chunk, sizeof(chunk), 0);
    if (got > 0) {
      for (ssize_t k = 0; k < got; ++k) {
        if (chunk[k] != patternByte(stream.id, stream.received + static_cast<size_t>(k))) stream.corrupt = true;
      }
      stream.received += static_cast<size_t>(got);
      if (!stream.doomed && stream.received == stream.target && !stream.write_shut) {
        shutdownWrite(stream.fd.get());
        stream.write_shut = true;
      }
    } else if (got == 0 || errno != EAGAIN) {
      stream.ended = true;
      stream.ended_at = Clock::now();
    }
  }
}

TEST_CASE("fault: a backend killed mid-transfer closes its clients promptly and spares the others",
          "[fault][tcp]") {
  ForkedEchoServer doomed_backend;
  EchoServer healthy_backend;
  const uint16_t doomed_port = freeTcpPort();
  const uint16_t healthy_port = freeTcpPort();
  FulcrumProcess fulcrum(twoListenerConfig(doomed_port, doomed_backend.port(), healthy_port, healthy_backend.port()));
  REQUIRE(fulcrum.waitForTcpPort(doomed_port, 10s));
  REQUIRE(fulcrum.waitForTcpPort(healthy_port, 10s));

  std::vector<Stream> streams(kStreams);
  for (int i = 0; i < kStreams; ++i) {
    Stream& stream = streams[static_cast<size_t>(i)];
    stream.id = i;
    stream.doomed = i % 2 == 0;
    stream.target = stream.doomed ? kDoomedBytes : kHealthyBytes;
    stream.fd = connectTcp(stream.doomed ? doomed_port : healthy_port, 2s);
    REQUIRE(stream.fd);
  }

  // Stream until every connection has had bytes echoed, then kill the backend process.
  const Deadline warm_up(10s);
  auto allStreaming = [&] {
    for (const Stream& stream : streams) {
      if (stream.received < kStreamingBeforeKill && !stream.ended) return false;
    }
    return true;
  };
  while (!allStreaming() && !warm_up.expired()) pumpOnce(streams, 50);
  for (const Stream& stream : streams) {
    INFO("stream " << stream.id << " received " << stream.received);
    REQUIRE_FALSE(stream.ended);
    REQUIRE(stream.received >= kStreamingBeforeKill);
  }
  doomed_backend.kill();
  const Clock::time_point killed_at = Clock::now();

  const Deadline finish(20s);
  auto allDone = [&] {
    for (const Stream& stream : streams) {
      if (!stream.ended) return false;
    }
    return true;
  };
  while (!allDone() && !finish.expired()) pumpOnce(streams, 50);

  Millis slowest_close(0);
  size_t doomed_bytes = 0;
  size_t healthy_bytes = 0;
  for (const Stream& stream : streams) {
    INFO("stream " << stream.id << (stream.doomed ? " (killed backend)" : " (healthy backend)") << " sent "
                   << stream.sent << " received " << stream.received);
    CHECK(stream.ended);
    CHECK_FALSE(stream.corrupt);
    if (stream.doomed) {
      const auto took = std::chrono::duration_cast<Millis>(stream.ended_at - killed_at);
      slowest_close = std::max(slowest_close, took);
      CHECK(took <= kCloseBound);
      doomed_bytes += stream.received;
    } else {
      CHECK(stream.received == kHealthyBytes);
      healthy_bytes += stream.received;
    }
  }
  std::cout << "[fault backend death] " << kStreams / 2 << " clients of the killed backend closed, slowest "
            << slowest_close.count() << " ms after SIGKILL (bound " << kCloseBound.count() << " ms), "
            << doomed_bytes << " bytes echoed before; " << kStreams / 2 << " healthy streams verified, "
            << healthy_bytes << " bytes\n";

  // Still serving: a new client of the healthy listener gets its echo.
  UniqueFd fresh = connectTcp(healthy_port, 2s);
  REQUIRE(fresh);
  REQUIRE(sendAll(fresh.get(), "after the crash", 2s));
  CHECK(recvExact(fresh.get(), 15, 2s) == std::optional<std::string>("after the crash"));
  fresh.reset();
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
