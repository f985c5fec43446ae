// The health checker in-process (lb/health/health_checker.h): its own loop and thread
// against real sockets on 127.0.0.1, with the backends' state read directly.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "lb/health/health_checker.h"
#include "lb/runtime/server.h"
#include "test/support/backends.h"
#include "test/support/deadline.h"
#include "test/support/health_servers.h"
#include "test/support/ports.h"

namespace fulcrum {
namespace {

using namespace std::chrono_literals;
using test::Clock;
using test::eventually;

config::PoolConfig checkedPool(const std::string& name, const std::vector<uint16_t>& ports,
                               config::HealthCheckType type, Duration interval, Duration timeout) {
  config::PoolConfig pool;
  pool.name = name;
  pool.health_check.type = type;
  pool.health_check.interval = interval;
  pool.health_check.timeout = timeout;
  pool.health_check.rise = 2;
  pool.health_check.fall = 3;
  for (const uint16_t port : ports) {
    config::BackendConfig backend;
    backend.address.text = fmt::format("127.0.0.1:{}", port);
    backend.address.host_port = HostPort{"127.0.0.1", port};
    backend.address.address = SocketAddress::fromNumeric("127.0.0.1", port).value();
    pool.backends.push_back(backend);
  }
  return pool;
}

std::shared_ptr<const Topology> topologyOf(std::vector<config::PoolConfig> pools) {
  config::Config config;
  config.pools = std::move(pools);
  return buildTopology(config, 1);
}

HealthState stateOf(const Topology& topology, const std::string& pool, size_t backend) {
  return topology.findPool(pool)->backends().at(backend)->health();
}

TEST_CASE("active tcp checks bring a listening backend up and a refusing one down", "[health]") {
  test::EchoServer live;
  const uint16_t dead_port = test::freeTcpPort();
  const auto topology =
      topologyOf({checkedPool("p", {live.port(), dead_port}, config::HealthCheckType::kTcp, 50ms, 200ms)});
  HealthChecker checker(topology);
  checker.start();
  CHECK(eventually(3s, [&] {
    return stateOf(*topology, "p", 0) == HealthState::kUp && stateOf(*topology, "p", 1) == HealthState::kDown;
  }));
  const Backend& up = *topology->findPool("p")->backends()[0];
  const Backend& down = *topology->findPool("p")->backends()[1];
  CHECK(up.counters().health_successes.load() >= 2);
  CHECK(up.counters().health_failures.load() == 0);
  CHECK(down.counters().health_failures.load() >= 3);
  CHECK(down.counters().health_successes.load() == 0);
  CHECK(checker.checkLatency("p") != nullptr);
  CHECK(checker.stop());
}

TEST_CASE("a passive failure takes a refusing backend down long before the interval", "[health]") {
  const uint16_t dead_port = test::freeTcpPort();
  const auto topology = topologyOf({checkedPool("p", {dead_port}, config::HealthCheckType::kTcp, 60s, 500ms)});
  HealthChecker checker(topology);
  checker.start();
  Pool& pool = *topology->findPool("p");
  Backend& backend = *pool.backends()[0];
  REQUIRE(backend.health() == HealthState::kUnknown);
  const auto start = Clock::now();
  checker.onConnectFailure(pool, backend, "connection refused");
  CHECK(eventually(
      2s, [&] { return backend.health() == HealthState::kDown; }, 5ms));
  // The passive failure, an immediate check and one fast re-check 100ms later.
  CHECK(Clock::now() - start < 1s);
  CHECK(backend.counters().health_failures.load() >= 2);
  CHECK(checker.stop());
}

TEST_CASE("passive failures of a live backend do not take it down", "[health]") {
  test::EchoServer live;
  const auto topology = topologyOf({checkedPool("p", {live.port()}, config::HealthCheckType::kTcp, 60s, 500ms)});
  HealthChecker checker(topology);
  checker.start();
  Pool& pool = *topology->findPool("p");
  Backend& backend = *pool.backends()[0];
  // Each passive failure triggers a check that succeeds and resets the failure count.
  for (int round = 0; round < 6; ++round) {
    const uint64_t checks_before = backend.counters().health_successes.load();
    checker.onConnectFailure(pool, backend, "connect timeout");
    REQUIRE(eventually(
        2s, [&] { return backend.counters().health_successes.load() > checks_before; }, 2ms));
  }
  CHECK(backend.health() != HealthState::kDown);
  CHECK(checker.stop());
}

TEST_CASE("passive failures for an unchecked pool are ignored", "[health]") {
  const uint16_t dead_port = test::freeTcpPort();
  const auto topology = topologyOf({checkedPool("p", {dead_port}, config::HealthCheckType::kNone, 50ms, 50ms)});
  HealthChecker checker(topology);
  checker.start();
  Pool& pool = *topology->findPool("p");
  Backend& backend = *pool.backends()[0];
  for (int i = 0; i < 100; ++i) checker.onConnectFailure(pool, backend, "connection refused");
  std::this_thread::sleep_for(300ms);
  CHECK(backend.health() == HealthState::kUp);
  CHECK(backend.counters().health_failures.load() == 0);
  CHECK(checker.checkLatency("p") == nullptr);
  CHECK(checker.stop());
}

TEST_CASE("stop closes the loop cleanly while checks hang", "[health]") {
  test::SilentListeners silent(20);
  const auto topology = topologyOf({checkedPool("p", silent.ports(), config::HealthCheckType::kHttp, 10ms, 10s)});
  HealthChecker checker(topology);
  checker.start();
  REQUIRE(eventually(3s, [&] { return silent.acceptedConnections() >= 20; }));
  const auto start = Clock::now();
  CHECK(checker.stop());
  CHECK(Clock::now() - start < 1s);
  CHECK(checker.stop());  // idempotent
}

TEST_CASE("a checker that never started stops cleanly", "[health]") {
  const auto topology =
      topologyOf({checkedPool("p", {test::freeTcpPort()}, config::HealthCheckType::kTcp, 50ms, 50ms)});
  HealthChecker checker(topology);
  CHECK(checker.stop());
}

TEST_CASE("update keeps unchanged probes and their state, adds new pools, drops removed ones", "[health]") {
  test::EchoServer kept_backend;
  test::EchoServer dropped_backend;
  test::EchoServer added_backend;
  config::Config config;
  config.pools = {checkedPool("kept", {kept_backend.port()}, config::HealthCheckType::kTcp, 50ms, 200ms),
                  checkedPool("dropped", {dropped_backend.port()}, config::HealthCheckType::kTcp, 50ms, 200ms)};
  const auto first = buildTopology(config, 1);
  HealthChecker checker(first);
  checker.start();
  REQUIRE(eventually(3s, [&] {
    return stateOf(*first, "kept", 0) == HealthState::kUp && stateOf(*first, "dropped", 0) == HealthState::kUp;
  }));

  auto second = std::make_shared<Topology>();
  second->pools.push_back(first->findPool("kept"));
  const auto added =
      topologyOf({checkedPool("added", {added_backend.port()}, config::HealthCheckType::kTcp, 50ms, 200ms)});
  second->pools.push_back(added->findPool("added"));
  checker.update(second);

  CHECK(eventually(3s, [&] { return stateOf(*second, "added", 0) == HealthState::kUp; }));
  // The dropped pool's probe is gone: its backend sees no more checks.
  const size_t dropped_checks = dropped_backend.acceptedConnections();
  const size_t kept_checks = kept_backend.acceptedConnections();
  std::this_thread::sleep_for(400ms);
  CHECK(dropped_backend.acceptedConnections() <= dropped_checks + 1);
  CHECK(kept_backend.acceptedConnections() >= kept_checks + 3);
  CHECK(stateOf(*second, "kept", 0) == HealthState::kUp);
  CHECK(checker.checkLatency("dropped") == nullptr);
  CHECK(checker.checkLatency("added") != nullptr);
  CHECK(checker.stop());
}

// Lowers this process's RLIMIT_NOFILE (soft) so that no new descriptor can be opened,
// until destroyed. Under ctest every Catch2 test case runs in a process of its own.
class NoFreeDescriptors {
 public:
  NoFreeDescriptors() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    // The lowest free descriptor number is what the kernel hands out next; a limit at
    // that number refuses it. Other threads may open and close meanwhile: repeat until
    // an open really fails.
    for (int attempt = 0; attempt < 100 && !exhausted_; ++attempt) {
      const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (probe < 0) {
        exhausted_ = errno == EMFILE;
        break;
      }
      ::close(probe);
      rlimit lowered = saved_;
      lowered.rlim_cur = static_cast<rlim_t>(probe);
      ::setrlimit(RLIMIT_NOFILE, &lowered);
    }
  }
  ~NoFreeDescriptors() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  NoFreeDescriptors(const NoFreeDescriptors&) = delete;
  NoFreeDescriptors& operator=(const NoFreeDescriptors&) = delete;

  bool exhausted() const { return exhausted_; }

 private:
  rlimit saved_{};
  bool exhausted_ = false;
};

TEST_CASE("checks that cannot open a socket (descriptors exhausted) leave a backend's state alone", "[health]") {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // UBSan's vptr check opens a pipe per check and fails without free descriptors.
  WARN("skipped under the sanitizers: they need free descriptors");
  return;
#endif
  test::EchoServer live;
  const auto topology = topologyOf({checkedPool("p", {live.port()}, config::HealthCheckType::kTcp, 20ms, 200ms)});
  HealthChecker checker(topology);
  checker.start();
  REQUIRE(eventually(3s, [&] { return stateOf(*topology, "p", 0) == HealthState::kUp; }));
  const Backend& backend = *topology->findPool("p")->backends()[0];
  const uint64_t failures_before = backend.counters().health_failures.load();
  {
    NoFreeDescriptors exhausted;
    REQUIRE(exhausted.exhausted());
    // About 20 check intervals, where fall = 3 would take the backend down.
    std::this_thread::sleep_for(400ms);
  }
  CHECK(stateOf(*topology, "p", 0) == HealthState::kUp);
  CHECK(backend.counters().health_failures.load() == failures_before);
  // Checks resume once descriptors are back.
  const uint64_t successes = backend.counters().health_successes.load();
  CHECK(eventually(3s, [&] { return backend.counters().health_successes.load() > successes; }));
  CHECK(checker.stop());
}

}  // namespace
}  // namespace fulcrum
