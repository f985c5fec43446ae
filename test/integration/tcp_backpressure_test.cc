// Backpressure: a fast sender facing a slow receiver must not make fulcrum buffer the
// difference; its memory stays bounded whichever side is slow (issue "Foundation"); and
// when many backed-up connections drain at once, every byte still arrives.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"
#include "test/support/tcp_test_server.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kTotalBytes = 256 * kMiB;
// The slow side takes 256 KiB every 5 ms (about 50 MiB/s, so ~5 s for the whole
// stream) while the fast side could push several GiB/s.
constexpr size_t kSlowChunk = 256 * 1024;
constexpr Millis kSlowInterval(5);

#if defined(__SANITIZE_ADDRESS__)
// ASan adds shadow memory and keeps freed blocks in quarantine; the bound still catches
// buffering of the whole 256 MiB stream.
constexpr size_t kRssLimit = 96 * kMiB;
#else
constexpr size_t kRssLimit = 64 * kMiB;
#endif

// Samples fulcrum's RSS every 100 ms until `done` is set (bounded by `budget`).
struct RssSamples {
  size_t count = 0;
  size_t max_bytes = 0;
};

RssSamples sampleRssUntil(const FulcrumProcess& fulcrum, const std::atomic<bool>& done, Millis budget) {
  RssSamples samples;
  const Deadline deadline(budget);
  while (!done.load() && !deadline.expired()) {
    if (const auto rss = fulcrum.rssBytes()) {
      ++samples.count;
      samples.max_bytes = std::max(samples.max_bytes, *rss);
    }
    std::this_thread::sleep_for(100ms);
  }
  return samples;
}

TEST_CASE("a client pushing 256 MiB into a slow backend keeps fulcrum's RSS bounded", "[tcp]") {
  SlowReaderServer backend(kSlowChunk, kSlowInterval);
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  std::atomic<bool> done{false};
  ReceiveResult reply;
  bool all_sent = false;
  std::thread sender([&] {
    UniqueFd client = connectTcp(port, 2s);
    if (client) {
      const std::string chunk(kMiB, 'p');
      size_t sent = 0;
      while (sent < kTotalBytes && sendAll(client.get(), chunk, 30s)) sent += chunk.size();
      all_sent = sent == kTotalBytes;
      shutdownWrite(client.get());
      reply = recvUntilEof(client.get(), 30s);
    }
    done.store(true);
  });
  const RssSamples samples = sampleRssUntil(fulcrum, done, 60s);
  sender.join();

  CHECK(all_sent);
  CHECK(reply.end == StreamEnd::kEof);
  CHECK(reply.data == std::to_string(kTotalBytes));
  CHECK(samples.count >= 10);
  CHECK(samples.max_bytes < kRssLimit);
}

TEST_CASE("a backend pushing 256 MiB to a slow client keeps fulcrum's RSS bounded", "[tcp]") {
  TcpTestServer backend([](ServerConnection& connection) {
    const std::string chunk(kMiB, 'q');
    for (size_t sent = 0; sent < kTotalBytes; sent += chunk.size()) {
      if (!connection.writeAll(chunk)) return;
    }
    connection.shutdownWrite();
    // Wait for the client's FIN so that closing does not turn into a reset.
    std::string ignored;
    while (connection.read(&ignored, 4096, 30s) == IoStatus::kData) ignored.clear();
  });
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  std::atomic<bool> done{false};
  size_t received = 0;
  StreamEnd end = StreamEnd::kTimeout;
  std::thread reader([&] {
    UniqueFd client = connectTcp(port, 2s);
    if (client) {
      const Deadline deadline(60s);
      while (!deadline.expired()) {
        const auto chunk = recvExact(client.get(), std::min(kSlowChunk, kTotalBytes - received), 10s);
        if (!chunk) break;
        received += chunk->size();
        if (received == kTotalBytes) break;
        std::this_thread::sleep_for(kSlowInterval);
      }
      end = recvUntilEof(client.get(), 10s).end;
      shutdownWrite(client.get());
    }
    done.store(true);
  });
  const RssSamples samples = sampleRssUntil(fulcrum, done, 70s);
  reader.join();

  CHECK(received == kTotalBytes);
  CHECK(end == StreamEnd::kEof);
  CHECK(samples.count >= 10);
  CHECK(samples.max_bytes < kRssLimit);
}

// Each connection's writes queue in fulcrum (beyond the kernel's socket buffers) while
// the backend holds off reading; then they all complete at once. More buffers then come
// back to the worker's pool than it keeps idle (16), so write completions free them:
// a regression here was reading the write request after its buffer was freed (caught
// by the ASan stage; a Release build usually survives it).
TEST_CASE("32 connections backed up at once deliver every byte when the backend starts reading", "[tcp]") {
  constexpr size_t kConnections = 32;
  constexpr size_t kBytesEach = 4 * kMiB;  // beyond the kernel's buffers on loopback
  const auto gate_opens = std::chrono::steady_clock::now() + 1500ms;
  TcpTestServer backend([gate_opens](ServerConnection& connection) {
    const auto wait = std::chrono::duration_cast<Millis>(gate_opens - std::chrono::steady_clock::now());
    if (wait.count() > 0 && !connection.sleepFor(wait)) return;
    size_t received = 0;
    std::string chunk;
    while (connection.read(&chunk, 256 * 1024, 30s) == IoStatus::kData) {
      received += chunk.size();
      chunk.clear();
    }
    connection.writeAll(std::to_string(received));
    connection.shutdownWrite();
  });
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  std::vector<std::string> replies(kConnections);
  std::vector<std::thread> clients;
  for (size_t i = 0; i < kConnections; ++i) {
    clients.emplace_back([&, i] {
      UniqueFd client = connectTcp(port, 2s);
      if (!client) return;
      const std::string chunk(kMiB, static_cast<char>('a' + i % 26));
      for (size_t sent = 0; sent < kBytesEach; sent += chunk.size()) {
        if (!sendAll(client.get(), chunk, 30s)) return;
      }
      shutdownWrite(client.get());
      replies[i] = recvUntilEof(client.get(), 30s).data;
    });
  }
  for (std::thread& client : clients) client.join();

  for (size_t i = 0; i < kConnections; ++i) {
    INFO("connection " << i);
    CHECK(replies[i] == std::to_string(kBytesEach));
  }
  CHECK(fulcrum.running());
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
