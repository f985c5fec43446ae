#pragma once
// The typed configuration: what the TOML file of INTERFACE.md ("Config file") says,
// after validation. Defaults here are the contract's defaults.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/socket_address.h"

namespace fulcrum::config {

using namespace std::chrono_literals;

// An address as written in the file and what it resolved to at load time.
struct Endpoint {
  std::string text;  // exactly as configured; used as the `backend` metric label
  HostPort host_port;
  SocketAddress address;
};

struct RuntimeConfig {
  unsigned workers = 0;  // 0 = one per CPU (resolved by the runtime, not here)
  Duration shutdown_grace = 30s;
  std::string log_format = "text";  // "text" | "json"
  std::string user;                 // drop privileges to this user after binding
  Duration withdraw_delay = 2s;
};

struct AdminConfig {
  bool enabled = false;  // the [admin] table is present
  Endpoint bind;
  std::string token;
};

struct TlsSniConfig {
  std::string server_name;
  std::string cert;
  std::string key;
};

struct TlsConfig {
  std::string cert;
  std::string key;
  Duration handshake_timeout = 10s;
  std::string min_version = "1.2";  // "1.2" | "1.3"
  std::string ciphers;              // TLS <= 1.2 cipher list; empty = safe default
  std::string ciphersuites;         // TLS 1.3 suites; empty = OpenSSL default
  std::vector<TlsSniConfig> sni;
};

enum class Protocol { kTcp, kUdp };
enum class ProxyProtocol { kNone, kV1, kV2 };

struct ListenerConfig {
  std::string name;
  Endpoint bind;
  Protocol protocol = Protocol::kTcp;
  std::string pool;
  Duration connect_timeout = 2s;
  unsigned retries = 2;
  Duration idle_timeout = 5min;
  uint64_t max_connections = 0;  // 0 = unlimited
  ProxyProtocol proxy_protocol = ProxyProtocol::kNone;
  std::optional<TlsConfig> tls;
  uint64_t max_sessions = 65536;  // udp
  bool access_log = false;
};

enum class BalanceAlgorithm { kRoundRobin, kLeastConnections, kConsistentHash };
enum class HashKey { kSourceIp, kSourceIpPort };
enum class HealthCheckType { kTcp, kHttp, kNone };

struct HealthCheckConfig {
  // Without a [pools.health_check] table a pool is not checked (type none: always up);
  // with the table, type defaults to "tcp".
  HealthCheckType type = HealthCheckType::kNone;
  Duration interval = 2s;
  Duration timeout = 1s;
  unsigned rise = 2;
  unsigned fall = 3;
  std::string path = "/healthz";
  unsigned expect_status = 200;
  std::optional<uint16_t> port;  // check this port instead of the traffic port
};

struct BackendConfig {
  Endpoint address;
  unsigned weight = 1;  // 0 = takes no new traffic
};

struct PoolConfig {
  std::string name;
  BalanceAlgorithm balance = BalanceAlgorithm::kRoundRobin;
  HashKey hash_key = HashKey::kSourceIp;
  Duration drain_timeout = 60s;
  uint32_t table_size = 65537;  // consistent_hash: a prime >= 100 x backends
  HealthCheckConfig health_check;
  std::vector<BackendConfig> backends;
};

struct Config {
  std::string source_path;
  RuntimeConfig runtime;
  AdminConfig admin;
  std::vector<ListenerConfig> listeners;
  std::vector<PoolConfig> pools;

  const PoolConfig* findPool(const std::string& name) const;
};

const char* toString(Protocol protocol);
const char* toString(BalanceAlgorithm balance);
const char* toString(HashKey key);
const char* toString(HealthCheckType type);
const char* toString(ProxyProtocol proxy_protocol);

}  // namespace fulcrum::config
