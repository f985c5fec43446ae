#include "test/support/tcp_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <stdexcept>

#include "test/support/loopback_address.h"

namespace fulcrum::test {

const char* toString(IoStatus status) {
  switch (status) {
    case IoStatus::kData: return "data";
    case IoStatus::kEof: return "eof";
    case IoStatus::kReset: return "reset";
    case IoStatus::kError: return "error";
    case IoStatus::kTimeout: return "timeout";
    case IoStatus::kStopped: return "stopped";
  }
  return "?";
}

int ServerConnection::waitReady(short events, std::optional<Millis> timeout) {
  std::optional<Deadline> deadline;
  if (timeout) deadline.emplace(*timeout);
  std::array<pollfd, 2> entries{pollfd{fd_.get(), events, 0}, pollfd{stop_fd_, POLLIN, 0}};
  while (true) {
    const int ready = ::poll(entries.data(), entries.size(), deadline ? deadline->pollTimeout() : -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return -1;
    if (entries[1].revents != 0) return -1;
    if (ready == 0) return 0;
    return 1;
  }
}

bool ServerConnection::stopping() const {
  pollfd entry{stop_fd_, POLLIN, 0};
  return ::poll(&entry, 1, 0) > 0;
}

IoStatus ServerConnection::read(std::string* into, size_t max_bytes, std::optional<Millis> timeout) {
  if (!fd_) return IoStatus::kError;
  std::array<char, 64 * 1024> buffer;
  while (true) {
    const ssize_t got = ::recv(fd_.get(), buffer.data(), std::min(max_bytes, buffer.size()), 0);
    if (got > 0) {
      into->append(buffer.data(), static_cast<size_t>(got));
      return IoStatus::kData;
    }
    if (got == 0) return IoStatus::kEof;
    if (errno == ECONNRESET) return IoStatus::kReset;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return IoStatus::kError;
    const int ready = waitReady(POLLIN, timeout);
    if (ready < 0) return IoStatus::kStopped;
    if (ready == 0) return IoStatus::kTimeout;
  }
}

bool ServerConnection::writeAll(std::string_view data) {
  if (!fd_) return false;
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t wrote = ::send(fd_.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (wrote > 0) {
      sent += static_cast<size_t>(wrote);
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    if (waitReady(POLLOUT, std::nullopt) <= 0) return false;
  }
  return true;
}

void ServerConnection::shutdownWrite() {
  if (fd_) ::shutdown(fd_.get(), SHUT_WR);
}

void ServerConnection::resetNow() {
  if (!fd_) return;
  linger option{1, 0};
  ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &option, sizeof(option));
  fd_.reset();
}

bool ServerConnection::sleepFor(Millis duration) {
  pollfd entry{stop_fd_, POLLIN, 0};
  const Deadline deadline(duration);
  while (!deadline.expired()) {
    const int ready = ::poll(&entry, 1, deadline.pollTimeout());
    if (ready > 0) return false;
    if (ready < 0 && errno != EINTR) return false;
  }
  return true;
}

TcpTestServer::TcpTestServer(Handler handler, int backlog) : handler_(std::move(handler)) {
  listen_fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  stop_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!listen_fd_ || !stop_fd_) throw std::runtime_error("TcpTestServer: socket/eventfd failed");
  sockaddr_in address = loopbackAddress();
  socklen_t length = sizeof(address);
  if (::bind(listen_fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_.get(), backlog) != 0 ||
      ::getsockname(listen_fd_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("TcpTestServer: bind/listen on 127.0.0.1:0 failed");
  }
  port_ = ntohs(address.sin_port);
  accept_thread_ = std::thread([this] { acceptLoop(); });
}

TcpTestServer::~TcpTestServer() { stop(); }

void TcpTestServer::stop() {
  std::call_once(stop_once_, [this] {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t wrote = ::write(stop_fd_.get(), &one, sizeof(one));
    accept_thread_.join();
    listen_fd_.reset();
    std::vector<Worker> workers;
    {
      std::lock_guard lock(workers_mutex_);
      workers.swap(workers_);
    }
    for (Worker& worker : workers) worker.thread.join();
  });
}

void TcpTestServer::joinFinishedWorkers() {
  std::lock_guard lock(workers_mutex_);
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->finished->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void TcpTestServer::acceptLoop() {
  std::array<pollfd, 2> entries{pollfd{listen_fd_.get(), POLLIN, 0}, pollfd{stop_fd_.get(), POLLIN, 0}};
  while (true) {
    const int ready = ::poll(entries.data(), entries.size(), -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || entries[1].revents != 0) return;
    UniqueFd client(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) continue;
    joinFinishedWorkers();
    accepted_.fetch_add(1);
    active_.fetch_add(1);
    auto finished = std::make_shared<std::atomic<bool>>(false);
    auto connection = std::make_shared<ServerConnection>(std::move(client), stop_fd_.get());
    std::thread thread([this, connection, finished]() mutable {
      handler_(*connection);
      connection.reset();  // close the socket before counting the handler as done
      active_.fetch_sub(1);
      finished->store(true);
    });
    std::lock_guard lock(workers_mutex_);
    workers_.push_back(Worker{std::move(thread), std::move(finished)});
  }
}

}  // namespace fulcrum::test
