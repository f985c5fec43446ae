// Backpressure: a fast sender facing a slow receiver must not make fulcrum buffer the
// difference; its memory stays bounded whichever side is slow (issue "Foundation").
#include <algorithm>
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

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

}  // namespace
}  // namespace fulcrum::test
