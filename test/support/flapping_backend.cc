#include "test/support/flapping_backend.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "test/support/loopback_address.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {
namespace {

constexpr Millis kRequestWait(50);

// A listening socket on 127.0.0.1:port (SO_REUSEADDR, so it can come back at once);
// invalid when the port cannot be bound.
UniqueFd listenOn(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  const int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in address = loopbackAddress(port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd.get(), 64) != 0) {
    return UniqueFd();
  }
  return fd;
}

// Reads the request on a freshly accepted connection (waiting briefly) and echoes it;
// true when a request came.
bool echoOneRequest(int fd) {
  pollfd entry{fd, POLLIN, 0};
  if (::poll(&entry, 1, static_cast<int>(kRequestWait.count())) <= 0) return false;
  char buffer[512];
  const ssize_t got = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
  if (got <= 0) return false;
  ::send(fd, buffer, static_cast<size_t>(got), MSG_NOSIGNAL | MSG_DONTWAIT);
  return true;
}

}  // namespace

FlappingBackend::FlappingBackend(uint16_t port, Millis period, Millis duration)
    : port_(port), thread_([this, period, duration] { run(period, duration); }) {}

FlappingBackend::~FlappingBackend() {
  stop_ = true;
  join();
}

void FlappingBackend::join() {
  if (thread_.joinable()) thread_.join();
}

std::vector<FlappingBackend::WallClock::time_point> FlappingBackend::dataAccepts() const {
  std::lock_guard lock(mutex_);
  return data_accepts_;
}

void FlappingBackend::run(Millis period, Millis duration) {
  const Deadline end(duration);
  bool up = true;
  while (!end.expired() && !stop_) {
    const Clock::time_point phase_end = Clock::now() + period;
    phases_.fetch_add(1);
    if (up) {
      serveUpPhase(phase_end);
    } else {
      std::this_thread::sleep_until(phase_end);
    }
    up = !up;
  }
}

bool FlappingBackend::serveUpPhase(Clock::time_point until) {
  UniqueFd listener = listenOn(port_);
  if (!listener) return false;
  while (Clock::now() < until) {
    pollfd entry{listener.get(), POLLIN, 0};
    const auto left = std::chrono::duration_cast<Millis>(until - Clock::now()).count();
    if (::poll(&entry, 1, static_cast<int>(std::max<int64_t>(left, 0))) <= 0) continue;
    UniqueFd accepted(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!accepted) continue;
    const WallClock::time_point accepted_at = WallClock::now();
    if (echoOneRequest(accepted.get())) {
      std::lock_guard lock(mutex_);
      data_accepts_.push_back(accepted_at);
    }
  }
  return true;  // closing `listener` resets what is still in its accept queue
}

}  // namespace fulcrum::test
