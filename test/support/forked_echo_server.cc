#include "test/support/forked_echo_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <stdexcept>

#include "test/support/loopback_address.h"

namespace fulcrum::test {
namespace {

constexpr int kListenFd = 3;

// Static, not on the stack or the heap: the child may only make async-signal-safe calls
// after fork (POSIX fork(2)), which rules out malloc.
pollfd g_polled[ForkedEchoServer::kMaxConnections + 1];
char g_buffer[64 * 1024];

// Writes all `length` bytes to the blocking socket; false when the peer is gone.
bool writeAll(int fd, const char* data, ssize_t length) {
  while (length > 0) {
    const ssize_t written = ::send(fd, data, static_cast<size_t>(length), MSG_NOSIGNAL);
    if (written < 0) return false;
    data += written;
    length -= written;
  }
  return true;
}

// The child's whole life: accept, echo, close on EOF or error. Never returns.
[[noreturn]] void serve() {
  g_polled[0] = pollfd{kListenFd, POLLIN, 0};
  int count = 1;
  while (true) {
    if (::poll(g_polled, static_cast<nfds_t>(count), -1) < 0) continue;
    if ((g_polled[0].revents & POLLIN) != 0 && count <= ForkedEchoServer::kMaxConnections) {
      const int accepted = ::accept4(kListenFd, nullptr, nullptr, SOCK_CLOEXEC);
      if (accepted >= 0) g_polled[count++] = pollfd{accepted, POLLIN, 0};
    }
    for (int i = 1; i < count; ++i) {
      if (g_polled[i].revents == 0) continue;
      const ssize_t got = ::recv(g_polled[i].fd, g_buffer, sizeof(g_buffer), 0);
      if (got > 0 && writeAll(g_polled[i].fd, g_buffer, got)) continue;
      if (got < 0 && errno == EINTR) continue;
      if (got == 0) ::shutdown(g_polled[i].fd, SHUT_WR);
      ::close(g_polled[i].fd);
      g_polled[i] = g_polled[--count];
      g_polled[count].revents = 0;
      --i;
    }
  }
}

}  // namespace

ForkedEchoServer::ForkedEchoServer() {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener) throw std::runtime_error("ForkedEchoServer: socket failed");
  sockaddr_in address = loopbackAddress();
  socklen_t length = sizeof(address);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listener.get(), 1024) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("ForkedEchoServer: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("ForkedEchoServer: fork failed");
  if (pid_ > 0) return;  // the parent's copy of the listener closes with `listener`

  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  // Keep only the listener: the child must not hold the test's other sockets open.
  if (::dup2(listener.get(), kListenFd) < 0) ::_exit(1);
  ::close_range(kListenFd + 1, ~0U, 0);
  ::signal(SIGPIPE, SIG_IGN);
  serve();
}

ForkedEchoServer::~ForkedEchoServer() { kill(); }

void ForkedEchoServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace fulcrum::test
