// tls_load: TLS client load for scripts/bench, one thread, non-blocking sockets + epoll,
// OpenSSL driving each socket directly.
//
//   --mode handshake: each of --connections clients loops: TCP connect, a full TLS 1.3
//     handshake (no session resumption: no session is ever offered), one small
//     "GET / HTTP/1.1 ... Connection: close" request, read the response to EOF, close.
//     operations = handshakes completed with a response.
//   --mode bulk: each client handshakes once and then streams. With --bulk-backend http
//     (the default; the backend is bench/tools/http_responder --body-bytes N) it sends
//     keep-alive GETs one after the other and reads each whole response; operations =
//     responses. With --bulk-backend echo (a TCP echo behind the proxy) it keeps
//     --window bytes in flight, writing 16 KiB records and reading the echo back;
//     operations = 16 KiB chunks echoed. bytes = plaintext bytes received.
//
// Prints operations, bytes and errors for the run (--format json: one JSON object).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/tools/tool_arguments.h"
#include "common/socket_address.h"

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kRecordBytes = 16 * 1024;  // the largest TLS record's plaintext (RFC 8446 §5.1)
constexpr std::string_view kCloseRequest = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
constexpr std::string_view kKeepAliveRequest = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

enum class Mode { kHandshake, kBulkHttp, kBulkEcho };

struct Settings {
  fulcrum::SocketAddress target;
  Mode mode = Mode::kHandshake;
  size_t connections = 8;
  double seconds = 5;
  size_t window = 256 * 1024;
};

struct Totals {
  uint64_t operations = 0;
  uint64_t handshakes = 0;
  uint64_t bytes = 0;
  uint64_t errors = 0;
};

enum class Phase { kConnecting, kHandshaking, kRequesting, kReceiving, kStreaming };

struct Connection {
  int fd = -1;
  SSL* ssl = nullptr;
  Phase phase = Phase::kConnecting;
  uint32_t interest = 0;      // the epoll events currently registered
  size_t request_sent = 0;    // bytes of the current request written
  std::string head;           // bulk http: the response head read so far
  uint64_t body_left = 0;     // bulk http: body bytes still to come
  bool in_body = false;
  size_t in_flight = 0;       // bulk echo: bytes written, not yet echoed
  bool write_blocked = false; // bulk echo: SSL_write wants the socket writable
};

// Parses the Content-Length of a complete response head (case-insensitive name); false
// when there is none.
bool contentLength(std::string_view head, uint64_t* length) {
  size_t at = 0;
  while ((at = head.find("\r\n", at)) != std::string_view::npos) {
    at += 2;
    constexpr std::string_view kName = "content-length:";
    if (head.size() - at < kName.size()) return false;
    bool match = true;
    for (size_t i = 0; i < kName.size() && match; ++i) {
      match = static_cast<char>(std::tolower(static_cast<unsigned char>(head[at + i]))) == kName[i];
    }
    if (!match) continue;
    size_t digit = at + kName.size();
    while (digit < head.size() && head[digit] == ' ') ++digit;
    uint64_t value = 0;
    bool any = false;
    while (digit < head.size() && head[digit] >= '0' && head[digit] <= '9') {
      value = value * 10 + static_cast<uint64_t>(head[digit++] - '0');
      any = true;
    }
    *length = value;
    return any;
  }
  return false;
}

class TlsLoad {
 public:
  TlsLoad(const Settings& settings, SSL_CTX* context)
      : settings_(settings), context_(context), connections_(settings.connections), buffer_(64 * 1024),
        payload_(kRecordBytes, 'b') {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  }

  ~TlsLoad() {
    for (Connection& connection : connections_) finish(connection);
    ::close(epoll_fd_);
  }

  // Runs until `deadline`; connections still open then are not counted as errors.
  void run(SteadyClock::time_point deadline) {
    for (Connection& connection : connections_) start(connection);
    std::vector<epoll_event> events(connections_.size() + 1);
    while (SteadyClock::now() < deadline) {
      for (const size_t index : std::exchange(restarts_, {})) start(connections_[index]);
      const int ready = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 5);
      for (int i = 0; i < ready; ++i) {
        Connection& connection = connections_[events[static_cast<size_t>(i)].data.u64];
        advance(connection, events[static_cast<size_t>(i)].events);
      }
    }
  }

  const Totals& totals() const { return totals_; }
  const std::string& firstError() const { return first_error_; }

 private:
  size_t indexOf(const Connection& connection) const { return static_cast<size_t>(&connection - connections_.data()); }

  void start(Connection& connection) {
    connection = Connection{};
    connection.fd = ::socket(settings_.target.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (connection.fd < 0) {
      std::fprintf(stderr, "tls_load: socket: %s\n", std::strerror(errno));
      std::exit(1);
    }
    const int one = 1;
    ::setsockopt(connection.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(connection.fd, settings_.target.get(), settings_.target.length()) != 0 && errno != EINPROGRESS) {
      fail(connection, "connect");
      return;
    }
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.u64 = indexOf(connection);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, connection.fd, &event);
    connection.interest = EPOLLOUT;
  }

  void watch(Connection& connection, uint32_t interest) {
    if (interest == connection.interest) return;
    epoll_event event{};
    event.events = interest;
    event.data.u64 = indexOf(connection);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event);
    connection.interest = interest;
  }

  // Closes the socket (no close_notify: the peer has closed or the run is over).
  void finish(Connection& connection) {
    if (connection.ssl != nullptr) SSL_free(connection.ssl);
    if (connection.fd >= 0) ::close(connection.fd);
    connection.ssl = nullptr;
    connection.fd = -1;
  }

  // Counts an error and closes; the connection starts over from the run loop, so that a
  // connect that fails at once cannot recurse.
  void fail(Connection& connection, const char* what) {
    if (totals_.errors++ == 0) {
      const unsigned long code = ERR_peek_error();
      char reason[256] = "";
      if (code != 0) ERR_error_string_n(code, reason, sizeof(reason));
      first_error_ = std::string(what) + (code != 0 ? std::string(": ") + reason : std::string()) +
                     (errno != 0 ? std::string(" (") + std::strerror(errno) + ")" : std::string());
    }
    ERR_clear_error();
    finish(connection);
    connection.phase = Phase::kConnecting;
    restarts_.push_back(indexOf(connection));
  }

  // Registers what OpenSSL waits for after a call returned `result`; false on an error
  // (the connection has then been replaced).
  bool waitFor(Connection& connection, int result) {
    const int error = SSL_get_error(connection.ssl, result);
    if (error == SSL_ERROR_WANT_READ) {
      watch(connection, EPOLLIN);
      return true;
    }
    if (error == SSL_ERROR_WANT_WRITE) {
      watch(connection, EPOLLOUT);
      return true;
    }
    fail(connection, error == SSL_ERROR_ZERO_RETURN ? "closed by the peer"
                     : error == SSL_ERROR_SYSCALL  ? "socket error or EOF"
                                                   : "TLS error");
    return false;
  }

  void advance(Connection& connection, uint32_t events) {
    if (connection.phase == Phase::kConnecting) {
      int error = 0;
      socklen_t length = sizeof(error);
      ::getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0) {
        fail(connection, "connect");
        return;
      }
      connection.ssl = SSL_new(context_);
      SSL_set_fd(connection.ssl, connection.fd);
      SSL_set_connect_state(connection.ssl);
      connection.phase = Phase::kHandshaking;
    }
    if (connection.phase == Phase::kHandshaking) {
      const int result = SSL_do_handshake(connection.ssl);
      if (result != 1) {
        waitFor(connection, result);
        return;
      }
      ++totals_.handshakes;
      connection.phase = settings_.mode == Mode::kBulkEcho ? Phase::kStreaming : Phase::kRequesting;
    }
    if (connection.phase == Phase::kStreaming) {
      stream(connection);
      return;
    }
    while (true) {
      if (connection.phase == Phase::kRequesting) {
        if (!sendRequest(connection)) return;
      }
      if (!receiveResponse(connection)) return;
    }
  }

  // Writes the request; true once all of it is written.
  bool sendRequest(Connection& connection) {
    const std::string_view request = settings_.mode == Mode::kHandshake ? kCloseRequest : kKeepAliveRequest;
    const int result = SSL_write(connection.ssl, request.data() + connection.request_sent,
                                 static_cast<int>(request.size() - connection.request_sent));
    if (result <= 0) {
      waitFor(connection, result);
      return false;
    }
    connection.request_sent += static_cast<size_t>(result);
    if (connection.request_sent < request.size()) return false;
    connection.request_sent = 0;
    connection.phase = Phase::kReceiving;
    connection.head.clear();
    connection.in_body = false;
    return true;
  }

  // Reads the response. Handshake mode: to EOF, then the connection starts over (false).
  // Bulk http: true when one whole response has arrived (send the next request).
  bool receiveResponse(Connection& connection) {
    while (true) {
      const int result = SSL_read(connection.ssl, buffer_.data(), static_cast<int>(buffer_.size()));
      if (result <= 0) {
        const int error = SSL_get_error(connection.ssl, result);
        if (error == SSL_ERROR_ZERO_RETURN && settings_.mode == Mode::kHandshake && connection.in_body) {
          ++totals_.operations;
          finish(connection);
          start(connection);
          return false;
        }
        waitFor(connection, result);
        return false;
      }
      const auto got = static_cast<size_t>(result);
      totals_.bytes += got;
      if (settings_.mode == Mode::kHandshake) {
        connection.in_body = true;  // some response arrived; EOF completes it
        continue;
      }
      if (onBulkBytes(connection, std::string_view(buffer_.data(), got))) return true;
      if (connection.ssl == nullptr) return false;  // failed
    }
  }

  // Bulk http: consumes response bytes; true when the response is complete.
  bool onBulkBytes(Connection& connection, std::string_view data) {
    if (!connection.in_body) {
      connection.head.append(data);
      const size_t end = connection.head.find("\r\n\r\n");
      if (end == std::string::npos) return false;
      uint64_t length = 0;
      if (!contentLength(std::string_view(connection.head).substr(0, end + 2), &length)) {
        fail(connection, "response without Content-Length");
        return false;
      }
      const size_t body_here = connection.head.size() - (end + 4);
      connection.in_body = true;
      connection.body_left = length - std::min<uint64_t>(length, body_here);
    } else {
      connection.body_left -= std::min<uint64_t>(connection.body_left, data.size());
    }
    if (connection.body_left > 0) return false;
    ++totals_.operations;
    connection.phase = Phase::kRequesting;
    return true;
  }

  // Bulk echo: reads what has come back, then writes records while the window allows.
  void stream(Connection& connection) {
    while (true) {
      const int result = SSL_read(connection.ssl, buffer_.data(), static_cast<int>(buffer_.size()));
      if (result <= 0) {
        const int error = SSL_get_error(connection.ssl, result);
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
          fail(connection, error == SSL_ERROR_ZERO_RETURN ? "closed by the peer while streaming" : "read");
          return;
        }
        break;
      }
      const auto got = static_cast<size_t>(result);
      totals_.bytes += got;
      const size_t before = connection.in_flight;
      connection.in_flight -= std::min(connection.in_flight, got);
      totals_.operations += before / kRecordBytes - connection.in_flight / kRecordBytes;
    }
    connection.write_blocked = false;
    while (connection.in_flight + kRecordBytes <= settings_.window) {
      const int result = SSL_write(connection.ssl, payload_.data(), static_cast<int>(payload_.size()));
      if (result <= 0) {
        const int error = SSL_get_error(connection.ssl, result);
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
          fail(connection, "write");
          return;
        }
        connection.write_blocked = error == SSL_ERROR_WANT_WRITE;
        break;
      }
      connection.in_flight += static_cast<size_t>(result);
    }
    watch(connection, EPOLLIN | (connection.write_blocked ? EPOLLOUT : 0u));
  }

  const Settings& settings_;
  SSL_CTX* context_;
  int epoll_fd_ = -1;
  std::vector<Connection> connections_;
  std::vector<char> buffer_;
  std::string payload_;
  std::vector<size_t> restarts_;
  std::string first_error_;
  Totals totals_;
};

// A client context: TLS 1.3 only in handshake mode, no certificate verification (a
// bench against a self-signed certificate), no session cache or tickets so every
// handshake is a full one.
SSL_CTX* makeContext(Mode mode) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (context == nullptr) return nullptr;
  SSL_CTX_set_min_proto_version(context, mode == Mode::kHandshake ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(context, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
  // A bulk echo writer keeps one record buffer and retries it after WANT_WRITE.
  SSL_CTX_set_mode(context, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return context;
}

}  // namespace

int main(int argc, char** argv) {
  const fulcrum::bench::ToolArguments arguments(
      argc, argv, {"host", "port", "mode", "connections", "seconds", "format", "bulk-backend", "window"},
      "usage: tls_load --port PORT [--host 127.0.0.1] [--mode handshake|bulk] [--connections 8]\n"
      "                [--seconds 5] [--format text|json] [--bulk-backend http|echo] [--window 262144]\n"
      "TLS client load. handshake: each connection loops connect, full TLS 1.3 handshake,\n"
      "one 'Connection: close' GET, response read to EOF, close. bulk: one handshake per\n"
      "connection, then keep-alive GETs of a large body (http, against http_responder\n"
      "--body-bytes N) or --window bytes kept in flight through an echo backend (echo).\n"
      "Prints operations, bytes (plaintext received) and errors.\n");
  Settings settings;
  settings.target = arguments.target();
  const std::string mode = arguments.text("mode", "handshake");
  const std::string bulk_backend = arguments.text("bulk-backend", "http");
  if (mode != "handshake" && mode != "bulk") arguments.exitWithError("--mode must be handshake or bulk");
  if (bulk_backend != "http" && bulk_backend != "echo") arguments.exitWithError("--bulk-backend must be http or echo");
  settings.mode = mode == "handshake" ? Mode::kHandshake : (bulk_backend == "http" ? Mode::kBulkHttp : Mode::kBulkEcho);
  settings.connections = arguments.number("connections", 8, 1, 10000);
  settings.seconds = static_cast<double>(arguments.number("seconds", 5, 1, 3600));
  settings.window = arguments.number("window", 256 * 1024, kRecordBytes, 64 * 1024 * 1024);
  const std::string format = arguments.text("format", "text");
  if (format != "text" && format != "json") arguments.exitWithError("--format must be text or json");

  SSL_CTX* context = makeContext(settings.mode);
  if (context == nullptr) {
    std::fprintf(stderr, "tls_load: cannot create an SSL_CTX\n");
    return 1;
  }
  Totals totals;
  std::string first_error;
  double elapsed = 0;
  {
    TlsLoad load(settings, context);
    const auto started = SteadyClock::now();
    load.run(started + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(settings.seconds)));
    elapsed = std::chrono::duration<double>(SteadyClock::now() - started).count();
    totals = load.totals();
    first_error = load.firstError();
  }
  SSL_CTX_free(context);
  if (!first_error.empty()) std::fprintf(stderr, "tls_load: %llu errors, the first: %s\n",
                                         static_cast<unsigned long long>(totals.errors), first_error.c_str());

  const double operations_per_second = static_cast<double>(totals.operations) / elapsed;
  const double megabytes_per_second = static_cast<double>(totals.bytes) / elapsed / 1e6;
  if (format == "json") {
    std::printf(
        "{\"mode\":\"%s\",\"connections\":%zu,\"seconds\":%.3f,\"operations\":%llu,\"operations_per_second\":%.1f,"
        "\"handshakes\":%llu,\"bytes\":%llu,\"megabytes_per_second\":%.2f,\"errors\":%llu}\n",
        mode.c_str(), settings.connections, elapsed, static_cast<unsigned long long>(totals.operations),
        operations_per_second, static_cast<unsigned long long>(totals.handshakes),
        static_cast<unsigned long long>(totals.bytes), megabytes_per_second,
        static_cast<unsigned long long>(totals.errors));
  } else {
    std::printf("mode            %s\nconnections     %zu\nseconds         %.3f\noperations      %llu (%.1f/s)\n"
                "handshakes      %llu\nbytes           %llu (%.2f MB/s)\nerrors          %llu\n",
                mode.c_str(), settings.connections, elapsed, static_cast<unsigned long long>(totals.operations),
                operations_per_second, static_cast<unsigned long long>(totals.handshakes),
                static_cast<unsigned long long>(totals.bytes), megabytes_per_second,
                static_cast<unsigned long long>(totals.errors));
  }
  return totals.operations > 0 ? 0 : 1;
}
