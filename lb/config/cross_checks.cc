#include <string>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "lb/config/sections.h"

namespace fulcrum::config {
namespace {

bool sameAddress(const SocketAddress& a, const SocketAddress& b) {
  return !a.empty() && !b.empty() && a.family() == b.family() && a.port() == b.port() && a.ipBytes() == b.ipBytes();
}

// Equal for equal family, IP and port.
std::string addressKey(const SocketAddress& address) {
  return fmt::format("{}/{}/{}", address.family(), address.ipBytes(), address.port());
}

void checkUniqueListenerNames(const Config& config, const SourceMap& where, DiagnosticSink& sink) {
  for (size_t index = 0; index < config.listeners.size(); ++index) {
    const std::string& name = config.listeners[index].name;
    if (name.empty()) continue;
    for (size_t earlier = 0; earlier < index; ++earlier) {
      if (config.listeners[earlier].name != name) continue;
      sink.error(where.listeners[index].name,
                 fmt::format("\"{}.name\": duplicate listener name \"{}\", first defined at line {}",
                             where.listeners[index].path, name, where.listeners[earlier].name.line));
      break;
    }
  }
}

void checkUniquePoolNames(const Config& config, const SourceMap& where, DiagnosticSink& sink) {
  for (size_t index = 0; index < config.pools.size(); ++index) {
    const std::string& name = config.pools[index].name;
    if (name.empty()) continue;
    for (size_t earlier = 0; earlier < index; ++earlier) {
      if (config.pools[earlier].name != name) continue;
      sink.error(where.pools[index].name,
                 fmt::format("\"{}.name\": duplicate pool name \"{}\", first defined at line {}",
                             where.pools[index].path, name, where.pools[earlier].name.line));
      break;
    }
  }
}

void checkListenerPools(const Config& config, const SourceMap& where, DiagnosticSink& sink) {
  for (size_t index = 0; index < config.listeners.size(); ++index) {
    const std::string& pool = config.listeners[index].pool;
    if (pool.empty() || config.findPool(pool) != nullptr) continue;
    sink.error(where.listeners[index].pool,
               fmt::format("\"{}.pool\": unknown pool \"{}\"", where.listeners[index].path, pool));
  }
}

// Two sockets on one address would fail to bind, or, with SO_REUSEPORT, silently
// split the traffic between two listeners.
void checkBindConflicts(const Config& config, const SourceMap& where, DiagnosticSink& sink) {
  for (size_t index = 0; index < config.listeners.size(); ++index) {
    const ListenerConfig& listener = config.listeners[index];
    const ListenerSource& source = where.listeners[index];
    const char* protocol = toString(listener.protocol);
    if (config.admin.enabled && listener.protocol == Protocol::kTcp &&
        sameAddress(listener.bind.address, config.admin.bind.address)) {
      sink.error(source.bind, fmt::format("\"{}.bind\": {} ({}) is already used by the admin API (line {})",
                                          source.path, listener.bind.text, protocol, where.admin_bind.line));
      continue;
    }
    for (size_t earlier = 0; earlier < index; ++earlier) {
      const ListenerConfig& other = config.listeners[earlier];
      if (other.protocol != listener.protocol || !sameAddress(other.bind.address, listener.bind.address)) continue;
      sink.error(source.bind,
                 fmt::format("\"{}.bind\": {} ({}) is already used by listener \"{}\" (line {})", source.path,
                             listener.bind.text, protocol, other.name, where.listeners[earlier].bind.line));
      break;
    }
  }
}

// A backend is identified by its address text (the API key and metric label); the same
// server listed twice, under one spelling or two, is a mistake that weight expresses.
// Pools can be large, so lookups go through hash maps rather than pairwise comparison.
void checkUniqueBackends(const PoolConfig& pool, const PoolSource& where, DiagnosticSink& sink) {
  std::unordered_map<std::string_view, size_t> by_text;
  std::unordered_map<std::string, size_t> by_address;
  for (size_t index = 0; index < pool.backends.size(); ++index) {
    const Endpoint& address = pool.backends[index].address;
    if (address.text.empty()) continue;  // invalid, already reported
    const std::string& path = where.backends[index].path;
    const auto [same_text, text_is_new] = by_text.emplace(address.text, index);
    if (!text_is_new) {
      sink.error(where.backends[index].address,
                 fmt::format("\"{}.address\": duplicate backend \"{}\" in pool \"{}\", first defined at line {}", path,
                             address.text, pool.name, where.backends[same_text->second].address.line));
      continue;
    }
    const auto [same_address, address_is_new] = by_address.emplace(addressKey(address.address), index);
    if (!address_is_new) {
      const size_t earlier = same_address->second;
      sink.error(where.backends[index].address,
                 fmt::format("\"{}.address\": backend \"{}\" in pool \"{}\" is the same address ({}) as \"{}\" at "
                             "line {}",
                             path, address.text, pool.name, address.address.toString(),
                             pool.backends[earlier].address.text, where.backends[earlier].address.line));
    }
  }
}

}  // namespace

void checkCrossReferences(const Config& config, const SourceMap& where, DiagnosticSink& sink) {
  checkUniqueListenerNames(config, where, sink);
  checkUniquePoolNames(config, where, sink);
  checkListenerPools(config, where, sink);
  checkBindConflicts(config, where, sink);
  for (size_t index = 0; index < config.pools.size(); ++index) {
    checkUniqueBackends(config.pools[index], where.pools[index], sink);
  }
}

}  // namespace fulcrum::config
