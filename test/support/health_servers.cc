#include "test/support/health_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <stdexcept>

#include <fmt/format.h>

#include "test/support/backends.h"
#include "test/support/loopback_address.h"

namespace fulcrum::test {
namespace {

constexpr size_t kMaxRequestHead = 8 * 1024;
constexpr Millis kRequestHeadTimeout(5000);

UniqueFd listenOn(uint16_t port, int backlog, uint16_t* bound_port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw std::runtime_error("socket() failed");
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address = loopbackAddress(port);
  socklen_t length = sizeof(address);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd.get(), backlog) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error(fmt::format("bind/listen on 127.0.0.1:{} failed: errno {}", port, errno));
  }
  *bound_port = ntohs(address.sin_port);
  return fd;
}

const char* reasonPhrase(unsigned status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Whatever";
  }
}

// Reads until the client's EOF, reset, or the server's stop.
void holdUntilClosed(ServerConnection& connection) {
  std::string ignored;
  while (connection.read(&ignored, 4096) == IoStatus::kData) ignored.clear();
}

}  // namespace

RestartableServer::RestartableServer(uint16_t port, Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = listenOn(port, 128, &port_);
  stop_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_fd_) throw std::runtime_error("eventfd() failed");
  accept_thread_ = std::thread([this] { acceptLoop(); });
}

void RestartableServer::stop() {
  std::call_once(stop_once_, [this] {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t wrote = ::write(stop_fd_.get(), &one, sizeof(one));
    accept_thread_.join();
    listen_fd_.reset();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(threads_mutex_);
      threads.swap(threads_);
    }
    for (std::thread& thread : threads) thread.join();
  });
}

void RestartableServer::acceptLoop() {
  std::array<pollfd, 2> entries{pollfd{listen_fd_.get(), POLLIN, 0}, pollfd{stop_fd_.get(), POLLIN, 0}};
  while (true) {
    const int ready = ::poll(entries.data(), entries.size(), -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || entries[1].revents != 0) return;
    UniqueFd client(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) continue;
    accepted_.fetch_add(1);
    auto connection = std::make_shared<ServerConnection>(std::move(client), stop_fd_.get());
    std::lock_guard lock(threads_mutex_);
    threads_.emplace_back([this, connection] { handler_(*connection); });
  }
}

RestartableIdServer::RestartableIdServer(std::string id, uint16_t port)
    : id_(std::move(id)), server_(port, [this](ServerConnection& connection) {
        if (connection.writeAll(id_)) echoUntilEnd(connection);
      }) {}

HttpHealthEndpoint::HttpHealthEndpoint(unsigned status, uint16_t port)
    : status_(status), server_(port, [this](ServerConnection& connection) { serve(connection); }) {}

void HttpHealthEndpoint::respondWith(unsigned status) {
  status_.store(status);
  mode_.store(Mode::kRespond);
}

std::string HttpHealthEndpoint::lastRequest() const {
  std::lock_guard lock(last_mutex_);
  return last_request_;
}

void HttpHealthEndpoint::serve(ServerConnection& connection) {
  std::string head;
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > kMaxRequestHead) return;
    if (connection.read(&head, kMaxRequestHead, kRequestHeadTimeout) != IoStatus::kData) return;
  }
  {
    std::lock_guard lock(last_mutex_);
    last_request_ = head;
  }
  requests_.fetch_add(1);
  switch (mode_.load()) {
    case Mode::kRespond: {
      const unsigned status = status_.load();
      connection.writeAll(fmt::format("HTTP/1.1 {} {}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status,
                                      reasonPhrase(status)));
      return;
    }
    case Mode::kHang: holdUntilClosed(connection); return;
    case Mode::kGarbage:
      connection.writeAll("\x16\x03\x01\x02\x00garbage, not an HTTP response\r\n\r\n");
      holdUntilClosed(connection);
      return;
    case Mode::kReset: connection.resetNow(); return;
  }
}

SilentListeners::SilentListeners(size_t count) {
  for (size_t i = 0; i < count; ++i) {
    uint16_t port = 0;
    listeners_.push_back(listenOn(0, 1024, &port));
    ports_.push_back(port);
  }
  stop_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_fd_) throw std::runtime_error("eventfd() failed");
  thread_ = std::thread([this] { run(); });
}

SilentListeners::~SilentListeners() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t wrote = ::write(stop_fd_.get(), &one, sizeof(one));
  thread_.join();
}

void SilentListeners::run() {
  std::vector<UniqueFd> connections;
  while (true) {
    // Rebuilt each round: stop fd, listeners, then the accepted connections.
    std::vector<pollfd> entries{pollfd{stop_fd_.get(), POLLIN, 0}};
    for (const UniqueFd& listener : listeners_) entries.push_back(pollfd{listener.get(), POLLIN, 0});
    for (const UniqueFd& connection : connections) entries.push_back(pollfd{connection.get(), POLLIN, 0});
    const int ready = ::poll(entries.data(), entries.size(), -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || entries[0].revents != 0) return;
    std::vector<UniqueFd> still_open;
    for (size_t i = 0; i < connections.size(); ++i) {
      const pollfd& entry = entries[1 + listeners_.size() + i];
      if (entry.revents == 0) {
        still_open.push_back(std::move(connections[i]));
        continue;
      }
      std::array<char, 4096> discard;
      const ssize_t got = ::recv(entry.fd, discard.data(), discard.size(), 0);
      if (got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR))) still_open.push_back(std::move(connections[i]));
    }
    connections.swap(still_open);
    for (size_t i = 0; i < listeners_.size(); ++i) {
      if (entries[1 + i].revents == 0) continue;
      while (true) {
        UniqueFd client(::accept4(listeners_[i].get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!client) break;
        accepted_.fetch_add(1);
        connections.push_back(std::move(client));
      }
    }
  }
}

}  // namespace fulcrum::test
