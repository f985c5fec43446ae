// request_driver: a fixed number of HTTP/1.1 requests, one after another, for
// scripts/bench-instructions. Unlike wrk it stops after exactly --requests requests and
// keeps a single request in flight, so the proxy under callgrind does the same work in
// every run and its instruction count repeats.
//
// --mode keep-alive: one connection, all requests on it.
// --mode new-connection: one connection per request ("Connection: close"); the response
// ends at EOF (RFC 9112 §9.6).
// Exit status 0 when every request got a complete "HTTP/1.1 200" response.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "bench/tools/tool_arguments.h"
#include "common/socket_address.h"

namespace {

constexpr std::string_view kKeepAliveRequest = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
constexpr std::string_view kCloseRequest = "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";

int connectTo(const fulcrum::SocketAddress& address) {
  const int fd = ::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  if (::connect(fd, address.get(), address.length()) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool sendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

// The Content-Length of a response head, if it has one.
std::optional<size_t> contentLength(std::string_view head) {
  constexpr std::string_view kName = "\r\ncontent-length:";
  for (size_t at = head.find("\r\n"); at != std::string_view::npos; at = head.find("\r\n", at + 2)) {
    std::string_view line = head.substr(at);
    if (line.size() < kName.size()) return std::nullopt;
    bool matches = true;
    for (size_t i = 0; i < kName.size() && matches; ++i) {
      const char c = line[i];
      matches = (c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c) == kName[i];
    }
    if (!matches) continue;
    std::string_view value = line.substr(kName.size());
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    size_t length = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec != std::errc() || end == value.data()) return std::nullopt;
    return length;
  }
  return std::nullopt;
}

// Reads one response: up to the end of its body (Content-Length) or, with
// `until_eof`, to EOF. True for a complete 200 response.
bool readResponse(int fd, bool until_eof, std::string& buffer) {
  buffer.clear();
  char chunk[16 * 1024];
  std::optional<size_t> total;
  for (;;) {
    if (!total && !until_eof) {
      const size_t head_end = buffer.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const auto body = contentLength(std::string_view(buffer).substr(0, head_end + 2));
        if (!body) return false;
        total = head_end + 4 + *body;
      }
    }
    if (total && buffer.size() >= *total) break;
    const ssize_t got = ::recv(fd, chunk, sizeof(chunk), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return false;
    if (got == 0) {
      if (!until_eof) return false;
      break;
    }
    buffer.append(chunk, static_cast<size_t>(got));
  }
  return buffer.starts_with("HTTP/1.1 200");
}

}  // namespace

int main(int argc, char** argv) {
  const fulcrum::bench::ToolArguments arguments(
      argc, argv, {"host", "port", "requests", "mode"},
      "usage: request_driver --port PORT [--host 127.0.0.1] [--requests 1000]\n"
      "                      [--mode keep-alive|new-connection]\n"
      "Sends exactly --requests HTTP/1.1 GET requests, one at a time, and checks each\n"
      "response. Prints \"requests N\" and exits 0 when all succeeded.\n");
  const std::string host = arguments.text("host", "127.0.0.1");
  const auto port = static_cast<uint16_t>(arguments.number("port", 0, 1, 65535));
  const uint64_t requests = arguments.number("requests", 1000, 1, 100'000'000);
  const std::string mode = arguments.text("mode", "keep-alive");
  if (mode != "keep-alive" && mode != "new-connection") {
    std::fprintf(stderr, "error: --mode must be keep-alive or new-connection, not '%s'\n", mode.c_str());
    return 2;
  }
  const auto address = fulcrum::SocketAddress::fromNumeric(host, port);
  if (!address) {
    std::fprintf(stderr, "error: --host must be a numeric address, not '%s'\n", host.c_str());
    return 2;
  }

  const bool keep_alive = mode == "keep-alive";
  std::string buffer;
  int fd = -1;
  for (uint64_t done = 0; done < requests; ++done) {
    if (fd < 0) fd = connectTo(*address);
    if (fd < 0) {
      std::fprintf(stderr, "request_driver: connect: %s (after %llu requests)\n", std::strerror(errno),
                   static_cast<unsigned long long>(done));
      return 1;
    }
    if (!sendAll(fd, keep_alive ? kKeepAliveRequest : kCloseRequest) || !readResponse(fd, !keep_alive, buffer)) {
      std::fprintf(stderr, "request_driver: request %llu failed\n", static_cast<unsigned long long>(done + 1));
      ::close(fd);
      return 1;
    }
    if (!keep_alive) {
      ::close(fd);
      fd = -1;
    }
  }
  if (fd >= 0) ::close(fd);
  std::printf("requests %llu\n", static_cast<unsigned long long>(requests));
  return 0;
}
