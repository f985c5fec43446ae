#pragma once
// A backend that comes and goes: for a given time it alternately listens on a fixed
// 127.0.0.1 port and closes its listening socket, every `period`. While up it echoes
// one request per connection and closes. It records when it accepted each connection
// that carried data (so health-check connections, which send nothing, are not counted).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "test/support/deadline.h"

namespace fulcrum::test {

class FlappingBackend {
 public:
  using WallClock = std::chrono::system_clock;

  // Starts flapping at once, beginning with an up phase, for `duration`.
  FlappingBackend(uint16_t port, Millis period, Millis duration);
  // Stops flapping (at the end of the current phase) and joins.
  ~FlappingBackend();
  FlappingBackend(const FlappingBackend&) = delete;
  FlappingBackend& operator=(const FlappingBackend&) = delete;

  uint16_t port() const { return port_; }
  // Waits until the flapping has ended (at most its duration plus a margin).
  void join();
  // Wall-clock accept times of the connections that sent data, in order.
  std::vector<WallClock::time_point> dataAccepts() const;
  size_t phases() const { return phases_.load(); }

 private:
  void run(Millis period, Millis duration);
  // Serves one up phase until `until`; false if the port could not be bound.
  bool serveUpPhase(Clock::time_point until);

  const uint16_t port_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> phases_{0};
  mutable std::mutex mutex_;
  std::vector<WallClock::time_point> data_accepts_;
  std::thread thread_;
};

}  // namespace fulcrum::test
