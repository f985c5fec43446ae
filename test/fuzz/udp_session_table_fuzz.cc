// The UDP session table under random datagram sequences: the map from UdpClientKey to
// session (lb/proxy/udp_client_key.h) plus the idle list (lb/proxy/udp_idle_list.h),
// driven the way UdpListener drives them (a datagram finds or opens its client's
// session, a reply or datagram touches it, max_sessions refuses new ones, the sweep
// expires the idle ones from the old end, a closed session is forgotten), and checked
// after every step against a plain model: a std::map from (family, address, port) to
// the time of the session's last datagram.
//
// Input: a seed, a timeout and limit, a handful of client addresses (few distinct
// bytes, so that equal and nearly equal addresses are common), then operations.
#include <fuzzer/FuzzedDataProvider.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "lb/proxy/udp_client_key.h"
#include "lb/proxy/udp_idle_list.h"
#include "test/fuzz/fuzz_check.h"

namespace fulcrum {
namespace {

struct Session : IdleListNode {
  explicit Session(const UdpClientKey& client) : key(client) {}
  UdpClientKey key;
};

// The listener's table without sockets or a loop.
class SessionTable {
 public:
  SessionTable(uint64_t seed, uint64_t idle_ms, size_t max_sessions)
      : sessions_(16, UdpClientKeyHash(seed)), idle_ms_(idle_ms), max_sessions_(max_sessions) {}

  // UdpListener::handleDatagram: false when the datagram was dropped (not an IP client,
  // or a new session over max_sessions).
  bool datagram(const sockaddr* client, uint64_t now_ms) {
    UdpClientKey key;
    if (!UdpClientKey::fromSockaddr(client, &key)) return false;
    if (const auto found = sessions_.find(key); found != sessions_.end()) {
      idle_.touch(found->second.get(), now_ms);
      return true;
    }
    if (sessions_.size() >= max_sessions_) return false;
    auto session = std::make_unique<Session>(key);
    idle_.pushNewest(session.get(), now_ms);
    sessions_.emplace(key, std::move(session));
    return true;
  }

  // UdpListener::replyToClient: the session, if any, is active again.
  void reply(const sockaddr* client, uint64_t now_ms) {
    if (Session* session = find(client)) idle_.touch(session, now_ms);
  }

  // UdpSession::forceClose then UdpListener::forget (backend down, drain deadline).
  void close(const sockaddr* client) {
    Session* session = find(client);
    if (session == nullptr) return;
    idle_.remove(session);
    FUZZ_CHECK(!session->linked);
    sessions_.erase(session->key);
  }

  // UdpListener::expireIdleSessions.
  void sweep(uint64_t now_ms) {
    while (!idle_.empty() && now_ms - idle_.oldest()->last_active_ms >= idle_ms_) {
      auto* oldest = static_cast<Session*>(idle_.oldest());
      idle_.remove(oldest);
      sessions_.erase(oldest->key);
    }
  }

  Session* find(const sockaddr* client) {
    UdpClientKey key;
    if (!UdpClientKey::fromSockaddr(client, &key)) return nullptr;
    const auto found = sessions_.find(key);
    return found == sessions_.end() ? nullptr : found->second.get();
  }

  size_t size() const { return sessions_.size(); }
  const IdleList& idle() const { return idle_; }

 private:
  std::unordered_map<UdpClientKey, std::unique_ptr<Session>, UdpClientKeyHash> sessions_;
  IdleList idle_;
  const uint64_t idle_ms_;
  const size_t max_sessions_;
};

// A client as the model knows it: family, address bytes, port.
using ModelKey = std::tuple<int, std::string, uint16_t>;

struct Client {
  sockaddr_storage address{};
  bool is_ip = false;
  ModelKey model_key;
};

Client consumeClient(FuzzedDataProvider& input) {
  Client client;
  const uint16_t port = input.ConsumeIntegralInRange<uint16_t>(0, 2);
  const uint8_t address_byte = input.ConsumeIntegralInRange<uint8_t>(0, 1);
  switch (input.ConsumeIntegralInRange(0, 2)) {
    case 0: {
      auto* v4 = reinterpret_cast<sockaddr_in*>(&client.address);
      v4->sin_family = AF_INET;
      v4->sin_port = htons(port);
      std::memset(&v4->sin_addr, address_byte, 4);
      client.is_ip = true;
      client.model_key = {AF_INET, std::string(reinterpret_cast<const char*>(&v4->sin_addr), 4), port};
      break;
    }
    case 1: {
      auto* v6 = reinterpret_cast<sockaddr_in6*>(&client.address);
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(port);
      // ::ffff:a.b.c.d or the plain bytes: an IPv4-mapped client is not the IPv4 one.
      std::memset(v6->sin6_addr.s6_addr + 12, address_byte, 4);
      if (input.ConsumeBool()) v6->sin6_addr.s6_addr[10] = v6->sin6_addr.s6_addr[11] = 0xff;
      v6->sin6_flowinfo = input.ConsumeIntegral<uint32_t>();  // not part of the key
      client.is_ip = true;
      client.model_key = {AF_INET6, std::string(reinterpret_cast<const char*>(v6->sin6_addr.s6_addr), 16), port};
      break;
    }
    default: client.address.ss_family = AF_UNIX; break;
  }
  return client;
}

class Model {
 public:
  Model(uint64_t idle_ms, size_t max_sessions) : idle_ms_(idle_ms), max_sessions_(max_sessions) {}

  bool datagram(const Client& client, uint64_t now_ms) {
    if (!client.is_ip) return false;
    if (!last_active_.contains(client.model_key) && last_active_.size() >= max_sessions_) return false;
    last_active_[client.model_key] = now_ms;
    return true;
  }
  void reply(const Client& client, uint64_t now_ms) {
    if (const auto found = last_active_.find(client.model_key); client.is_ip && found != last_active_.end()) {
      found->second = now_ms;
    }
  }
  void close(const Client& client) {
    if (client.is_ip) last_active_.erase(client.model_key);
  }
  void sweep(uint64_t now_ms) {
    std::erase_if(last_active_, [&](const auto& entry) { return now_ms - entry.second >= idle_ms_; });
  }

  const std::map<ModelKey, uint64_t>& sessions() const { return last_active_; }

 private:
  std::map<ModelKey, uint64_t> last_active_;
  const uint64_t idle_ms_;
  const size_t max_sessions_;
};

// The table holds exactly the model's sessions, each with the model's activity time,
// and its idle list runs from newest to oldest through every session once.
void checkAgainstModel(SessionTable& table, const Model& model, const std::vector<Client>& clients) {
  FUZZ_CHECK(table.size() == model.sessions().size());
  FUZZ_CHECK(table.idle().size() == table.size());
  FUZZ_CHECK(table.idle().empty() == (table.size() == 0));
  for (const Client& client : clients) {
    const Session* session = table.find(reinterpret_cast<const sockaddr*>(&client.address));
    const auto modelled = model.sessions().find(client.model_key);
    const bool in_model = client.is_ip && modelled != model.sessions().end();
    FUZZ_CHECK((session != nullptr) == in_model);
    if (session != nullptr) {
      FUZZ_CHECK(session->linked);
      FUZZ_CHECK(session->last_active_ms == modelled->second);
    }
  }
  size_t walked = 0;
  const IdleListNode* previous = nullptr;
  for (const IdleListNode* node = table.idle().newest(); node != nullptr; node = node->older) {
    FUZZ_CHECK(++walked <= table.size());
    FUZZ_CHECK(node->newer == previous);
    if (previous != nullptr) FUZZ_CHECK(node->last_active_ms <= previous->last_active_ms);
    previous = node;
  }
  FUZZ_CHECK(walked == table.size());
  FUZZ_CHECK(previous == table.idle().oldest());
}

void run(FuzzedDataProvider& input) {
  const uint64_t seed = input.ConsumeIntegral<uint64_t>();
  const uint64_t idle_ms = input.ConsumeIntegralInRange<uint64_t>(1, 1000);
  const size_t max_sessions = input.ConsumeIntegralInRange<size_t>(0, 8);
  std::vector<Client> clients;
  const size_t client_count = input.ConsumeIntegralInRange<size_t>(1, 8);
  for (size_t i = 0; i < client_count; ++i) clients.push_back(consumeClient(input));

  SessionTable table(seed, idle_ms, max_sessions);
  Model model(idle_ms, max_sessions);
  uint64_t now_ms = input.ConsumeIntegral<uint32_t>();
  for (int step = 0; step < 512 && input.remaining_bytes() > 0; ++step) {
    // The loop clock only moves forward (uv_now).
    now_ms += input.ConsumeIntegralInRange<uint64_t>(0, 2 * idle_ms);
    const Client& client = clients[input.ConsumeIntegralInRange<size_t>(0, clients.size() - 1)];
    const auto* address = reinterpret_cast<const sockaddr*>(&client.address);
    switch (input.ConsumeIntegralInRange(0, 3)) {
      case 0: FUZZ_CHECK(table.datagram(address, now_ms) == model.datagram(client, now_ms)); break;
      case 1:
        table.reply(address, now_ms);
        model.reply(client, now_ms);
        break;
      case 2:
        table.close(address);
        model.close(client);
        break;
      default:
        table.sweep(now_ms);
        model.sweep(now_ms);
        break;
    }
    checkAgainstModel(table, model, clients);
  }
}

}  // namespace
}  // namespace fulcrum

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  fulcrum::run(input);
  return 0;
}
