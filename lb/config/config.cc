#include "lb/config/config.h"

namespace fulcrum::config {

const PoolConfig* Config::findPool(const std::string& name) const {
  for (const PoolConfig& pool : pools) {
    if (pool.name == name) return &pool;
  }
  return nullptr;
}

// The spellings below are the config file's (INTERFACE.md), so that logs, status JSON
// and the file agree.
const char* toString(Protocol protocol) {
  switch (protocol) {
    case Protocol::kTcp: return "tcp";
    case Protocol::kUdp: return "udp";
  }
  return "unknown";
}

const char* toString(BalanceAlgorithm balance) {
  switch (balance) {
    case BalanceAlgorithm::kRoundRobin: return "round_robin";
    case BalanceAlgorithm::kLeastConnections: return "least_connections";
    case BalanceAlgorithm::kConsistentHash: return "consistent_hash";
  }
  return "unknown";
}

const char* toString(HashKey key) {
  switch (key) {
    case HashKey::kSourceIp: return "source_ip";
    case HashKey::kSourceIpPort: return "source_ip_port";
  }
  return "unknown";
}

const char* toString(HealthCheckType type) {
  switch (type) {
    case HealthCheckType::kTcp: return "tcp";
    case HealthCheckType::kHttp: return "http";
    case HealthCheckType::kNone: return "none";
  }
  return "unknown";
}

const char* toString(ProxyProtocol proxy_protocol) {
  switch (proxy_protocol) {
    case ProxyProtocol::kNone: return "none";
    case ProxyProtocol::kV1: return "v1";
    case ProxyProtocol::kV2: return "v2";
  }
  return "unknown";
}

}  // namespace fulcrum::config
