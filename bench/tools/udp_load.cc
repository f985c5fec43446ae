// udp_load: request/response load for UDP, for scripts/bench. Each of --clients
// connected sockets (one fulcrum session each) keeps --inflight datagrams outstanding:
// every reply sends the next datagram. A datagram unanswered after --timeout-ms counts
// as lost and is replaced, so loss never stalls a client. Prints round trips per second,
// loss and latency percentiles.
//
// Each datagram ends with its sequence number and send time (16 bytes), so a reply is
// matched even when the backend puts an id in front (udp_echo --id).
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/tools/tool_arguments.h"
#include "common/socket_address.h"

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr size_t kTrailerBytes = 16;

uint64_t nowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count());
}

struct Settings {
  fulcrum::SocketAddress target;
  size_t clients = 50;
  size_t inflight = 4;
  size_t size = 64;
  uint64_t timeout_ns = 200'000'000;
  uint64_t duration_ns = 5'000'000'000;
};

struct Outstanding {
  uint64_t sequence = 0;
  uint64_t sent_ns = 0;
};

struct Client {
  int fd = -1;
  std::vector<Outstanding> outstanding;
};

struct Totals {
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t lost = 0;
  uint64_t late = 0;  // replies that came after their datagram was counted lost
  uint64_t send_errors = 0;
  std::vector<uint32_t> latencies_us;
};

class LoadThread {
 public:
  LoadThread(const Settings& settings, size_t clients) : settings_(settings), payload_(settings.size, 'u') {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    for (size_t i = 0; i < clients; ++i) {
      Client client;
      client.fd = ::socket(settings.target.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (client.fd < 0 || ::connect(client.fd, settings.target.get(), settings.target.length()) != 0) {
        std::fprintf(stderr, "udp_load: socket/connect: %s\n", std::strerror(errno));
        std::exit(1);
      }
      clients_.push_back(std::move(client));
    }
    for (size_t i = 0; i < clients_.size(); ++i) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = i;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, clients_[i].fd, &event);
    }
  }

  ~LoadThread() {
    for (Client& client : clients_) ::close(client.fd);
    ::close(epoll_fd_);
  }

  // Runs the load until `end_ns`, then waits up to the timeout for the last replies.
  void run(uint64_t end_ns) {
    totals_.latencies_us.reserve(1 << 20);
    for (Client& client : clients_) {
      for (size_t i = 0; i < settings_.inflight; ++i) send(client);
    }
    uint64_t next_expiry_scan = nowNs() + settings_.timeout_ns / 4;
    std::vector<epoll_event> events(256);
    std::vector<char> buffer(64 * 1024);
    bool sending = true;
    while (true) {
      const uint64_t now = nowNs();
      if (sending && now >= end_ns) sending = false;
      if (!sending && (now >= end_ns + settings_.timeout_ns || allAnswered())) break;
      const int ready = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 10);
      for (int e = 0; e < ready; ++e) {
        Client& client = clients_[events[static_cast<size_t>(e)].data.u64];
        while (true) {
          const ssize_t got = ::recv(client.fd, buffer.data(), buffer.size(), 0);
          if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            continue;  // ECONNREFUSED from an ICMP error: the datagram will time out
          }
          onReply(client, buffer.data(), static_cast<size_t>(got), sending);
        }
      }
      if (nowNs() >= next_expiry_scan) {
        expire(sending);
        next_expiry_scan = nowNs() + settings_.timeout_ns / 4;
      }
    }
    for (Client& client : clients_) totals_.lost += client.outstanding.size();
  }

  Totals& totals() { return totals_; }

 private:
  bool allAnswered() const {
    return std::all_of(clients_.begin(), clients_.end(),
                       [](const Client& client) { return client.outstanding.empty(); });
  }

  void send(Client& client) {
    const Outstanding entry{next_sequence_++, nowNs()};
    std::memcpy(payload_.data() + payload_.size() - kTrailerBytes, &entry.sequence, 8);
    std::memcpy(payload_.data() + payload_.size() - 8, &entry.sent_ns, 8);
    if (::send(client.fd, payload_.data(), payload_.size(), 0) != static_cast<ssize_t>(payload_.size())) {
      ++totals_.send_errors;
    }
    ++totals_.sent;
    client.outstanding.push_back(entry);
  }

  void onReply(Client& client, const char* data, size_t length, bool sending) {
    if (length < kTrailerBytes) return;
    uint64_t sequence = 0;
    std::memcpy(&sequence, data + length - kTrailerBytes, 8);
    const auto found = std::find_if(client.outstanding.begin(), client.outstanding.end(),
                                    [&](const Outstanding& entry) { return entry.sequence == sequence; });
    if (found == client.outstanding.end()) {
      ++totals_.late;
      return;
    }
    const uint64_t latency_ns = nowNs() - found->sent_ns;
    totals_.latencies_us.push_back(static_cast<uint32_t>(std::min<uint64_t>(latency_ns / 1000, UINT32_MAX)));
    ++totals_.received;
    client.outstanding.erase(found);
    if (sending) send(client);
  }

  void expire(bool sending) {
    const uint64_t now = nowNs();
    for (Client& client : clients_) {
      const size_t before = client.outstanding.size();
      std::erase_if(client.outstanding,
                    [&](const Outstanding& entry) { return now - entry.sent_ns >= settings_.timeout_ns; });
      const size_t expired = before - client.outstanding.size();
      totals_.lost += expired;
      for (size_t i = 0; sending && i < expired; ++i) send(client);
    }
  }

  const Settings& settings_;
  std::string payload_;
  int epoll_fd_ = -1;
  std::vector<Client> clients_;
  uint64_t next_sequence_ = 0;
  Totals totals_;
};

uint32_t percentile(std::vector<uint32_t>& values, double fraction) {
  if (values.empty()) return 0;
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(fraction * static_cast<double>(values.size())));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
  return values[index];
}

}  // namespace

int main(int argc, char** argv) {
  const fulcrum::bench::ToolArguments arguments(
      argc, argv, {"host", "port", "clients", "inflight", "seconds", "size", "timeout-ms", "threads", "format"},
      "usage: udp_load --port PORT [--host 127.0.0.1] [--clients 50] [--inflight 4] [--seconds 5]\n"
      "                [--size 64] [--timeout-ms 200] [--threads 1] [--format text|json]\n"
      "Request/response UDP load: each client socket keeps --inflight datagrams of --size\n"
      "bytes outstanding against HOST:PORT for --seconds; a datagram unanswered after\n"
      "--timeout-ms counts as lost. Prints round trips/s, loss and latency percentiles.\n");
  Settings settings;
  settings.target = arguments.target();
  settings.clients = arguments.number("clients", 50, 1, 10000);
  settings.inflight = arguments.number("inflight", 4, 1, 1024);
  settings.size = arguments.number("size", 64, kTrailerBytes, 65507);
  settings.timeout_ns = arguments.number("timeout-ms", 200, 1, 60'000) * 1'000'000;
  settings.duration_ns = arguments.number("seconds", 5, 1, 3600) * 1'000'000'000;
  const size_t threads = std::min<size_t>(arguments.number("threads", 1, 1, 64), settings.clients);
  const std::string format = arguments.text("format", "text");
  if (format != "text" && format != "json") arguments.exitWithError("--format must be text or json");

  std::vector<std::unique_ptr<LoadThread>> loads;
  for (size_t t = 0; t < threads; ++t) {
    const size_t clients = settings.clients / threads + (t < settings.clients % threads ? 1 : 0);
    loads.push_back(std::make_unique<LoadThread>(settings, clients));
  }
  const uint64_t start_ns = nowNs();
  const uint64_t end_ns = start_ns + settings.duration_ns;
  std::vector<std::thread> runners;
  for (auto& load : loads) runners.emplace_back([&load, end_ns] { load->run(end_ns); });
  for (std::thread& runner : runners) runner.join();

  Totals all;
  for (auto& load : loads) {
    Totals& part = load->totals();
    all.sent += part.sent;
    all.received += part.received;
    all.lost += part.lost;
    all.late += part.late;
    all.send_errors += part.send_errors;
    all.latencies_us.insert(all.latencies_us.end(), part.latencies_us.begin(), part.latencies_us.end());
  }
  const double seconds = static_cast<double>(settings.duration_ns) / 1e9;
  const double rate = static_cast<double>(all.received) / seconds;
  const double loss = all.sent == 0 ? 0.0 : static_cast<double>(all.lost) / static_cast<double>(all.sent);
  const uint32_t p50 = percentile(all.latencies_us, 0.50);
  const uint32_t p99 = percentile(all.latencies_us, 0.99);
  if (format == "json") {
    std::printf(
        "{\"round_trips_per_second\":%.1f,\"sent\":%llu,\"received\":%llu,\"lost\":%llu,\"late\":%llu,"
        "\"send_errors\":%llu,\"loss_ratio\":%.6f,\"latency_p50_us\":%u,\"latency_p99_us\":%u}\n",
        rate, static_cast<unsigned long long>(all.sent), static_cast<unsigned long long>(all.received),
        static_cast<unsigned long long>(all.lost), static_cast<unsigned long long>(all.late),
        static_cast<unsigned long long>(all.send_errors), loss, p50, p99);
  } else {
    std::printf("round trips/s   %.1f\nsent            %llu\nreceived        %llu\nlost            %llu (%.4f%%)\n"
                "late replies    %llu\nsend errors     %llu\nlatency p50     %u us\nlatency p99     %u us\n",
                rate, static_cast<unsigned long long>(all.sent), static_cast<unsigned long long>(all.received),
                static_cast<unsigned long long>(all.lost), 100.0 * loss, static_cast<unsigned long long>(all.late),
                static_cast<unsigned long long>(all.send_errors), p50, p99);
  }
  return 0;
}
