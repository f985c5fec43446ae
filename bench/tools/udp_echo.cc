// udp_echo: the UDP backend of scripts/bench (and of manual tests of fulcrum's UDP
// proxy). Answers every datagram with `--id` (empty by default) followed by the
// datagram, in batches: recvmmsg(2) up to kBatch datagrams, then one sendmmsg(2) with
// the replies. Each thread owns an SO_REUSEPORT socket on the same address.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/tools/tool_arguments.h"
#include "common/socket_address.h"

namespace {

constexpr size_t kBatch = 32;
constexpr size_t kSlotBytes = 64 * 1024;  // the largest UDP payload fits

int bindReusePort(const fulcrum::SocketAddress& address, std::string* error) {
  const int fd = ::socket(address.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 ||
      ::bind(fd, address.get(), address.length()) != 0) {
    *error = std::string("bind ") + address.toString() + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

// Blocks in recvmmsg (MSG_WAITFORONE: returns as soon as one datagram is there) and
// answers each batch with one sendmmsg. Runs until the process is killed.
void serve(int fd, const std::string& id) {
  std::vector<char> slots(kBatch * kSlotBytes);
  std::vector<sockaddr_storage> peers(kBatch);
  std::vector<iovec> receive_iov(kBatch);
  std::vector<mmsghdr> received(kBatch);
  std::vector<iovec> reply_iov(2 * kBatch);
  std::vector<mmsghdr> replies(kBatch);
  while (true) {
    for (size_t i = 0; i < kBatch; ++i) {
      receive_iov[i] = iovec{slots.data() + i * kSlotBytes, kSlotBytes};
      received[i] = mmsghdr{};
      received[i].msg_hdr.msg_iov = &receive_iov[i];
      received[i].msg_hdr.msg_iovlen = 1;
      received[i].msg_hdr.msg_name = &peers[i];
      received[i].msg_hdr.msg_namelen = sizeof(peers[i]);
    }
    const int count = ::recvmmsg(fd, received.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (count < 0) {
      if (errno == EINTR || errno == ECONNREFUSED) continue;
      std::fprintf(stderr, "udp_echo: recvmmsg: %s\n", std::strerror(errno));
      return;
    }
    for (int i = 0; i < count; ++i) {
      reply_iov[2 * i] = iovec{const_cast<char*>(id.data()), id.size()};
      reply_iov[2 * i + 1] = iovec{receive_iov[i].iov_base, received[i].msg_len};
      replies[i] = mmsghdr{};
      replies[i].msg_hdr.msg_iov = &reply_iov[2 * i];
      replies[i].msg_hdr.msg_iovlen = 2;
      replies[i].msg_hdr.msg_name = &peers[i];
      replies[i].msg_hdr.msg_namelen = received[i].msg_hdr.msg_namelen;
    }
    // A reply the kernel refuses (full buffer, peer gone) is dropped, as UDP may.
    int done = 0;
    while (done < count) {
      const int sent = ::sendmmsg(fd, replies.data() + done, static_cast<unsigned>(count - done), 0);
      if (sent <= 0) {
        if (sent < 0 && errno == EINTR) continue;
        ++done;  // skip the datagram that failed
        continue;
      }
      done += sent;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const fulcrum::bench::ToolArguments arguments(
      argc, argv, {"bind", "port", "id", "threads"},
      "usage: udp_echo --port PORT [--bind 127.0.0.1] [--id TEXT] [--threads 1]\n"
      "Answers every UDP datagram with TEXT followed by the datagram, from the address it\n"
      "was sent to. Port 0 picks a free port. Prints \"listening on HOST:PORT\" once ready.\n");
  const std::string host = arguments.text("bind", "127.0.0.1");
  const auto port = static_cast<uint16_t>(arguments.number("port", 0, 0, 65535));
  const std::string id = arguments.text("id", "");
  const auto threads = static_cast<size_t>(arguments.number("threads", 1, 1, 64));
  std::optional<fulcrum::SocketAddress> address = fulcrum::SocketAddress::fromNumeric(host, port);
  if (!address) arguments.exitWithError("--bind must be a numeric IPv4 or IPv6 address");

  std::string error;
  std::vector<int> sockets;
  for (size_t i = 0; i < threads; ++i) {
    const int fd = bindReusePort(*address, &error);
    if (fd < 0) {
      std::fprintf(stderr, "udp_echo: %s\n", error.c_str());
      return 1;
    }
    sockets.push_back(fd);
    if (i == 0 && port == 0) {
      // Later sockets join the port the kernel chose for the first.
      sockaddr_storage bound{};
      socklen_t length = sizeof(bound);
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
      *address = fulcrum::SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&bound), length);
    }
  }
  std::printf("listening on %s\n", address->toString().c_str());
  std::fflush(stdout);
  std::vector<std::thread> workers;
  for (const int fd : sockets) workers.emplace_back([fd, &id] { serve(fd, id); });
  for (std::thread& worker : workers) worker.join();
  return 1;  // serve() only returns on an unexpected error
}
