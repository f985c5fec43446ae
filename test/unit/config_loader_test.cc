// Valid configs: every key of INTERFACE.md's config file lands in the typed structs,
// and omitted keys take the contract's defaults.
#include <catch2/catch.hpp>

#include "lb/config/loader.h"
#include "test/unit/config_test_util.h"

namespace fulcrum::config {
namespace {

using namespace std::chrono_literals;

// The contract's example plus every "further key", with loopback addresses.
constexpr std::string_view kFullConfig = R"(
[runtime]
workers = 4
shutdown_grace = "45s"
log_format = "json"
user = "nobody"
withdraw_delay = "3s"

[admin]
bind = "127.0.0.1:9901"
token = "secret"

[[listeners]]
name = "web"
bind = "127.0.0.1:8080"
protocol = "tcp"
pool = "blue"
connect_timeout = "1500ms"
retries = 3
idle_timeout = "10m"
max_connections = 1000
proxy_protocol = "v2"
access_log = true

  [listeners.tls]
  cert = "conf/tls/cert.pem"
  key  = "conf/tls/key.pem"
  handshake_timeout = "5s"
  min_version = "1.3"
  ciphers = "ECDHE-RSA-AES128-GCM-SHA256"
  ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"

  [[listeners.tls.sni]]
  server_name = "a.example"
  cert = "conf/tls/a.pem"
  key = "conf/tls/a.key"

[[listeners]]
name = "dns"
bind = "[::1]:5353"
protocol = "udp"
pool = "green"
idle_timeout = "30s"
max_sessions = 1024

[[pools]]
name = "blue"
balance = "consistent_hash"
hash_key = "source_ip_port"
drain_timeout = "90s"
table_size = 257

  [pools.health_check]
  type = "http"
  interval = "3s"
  timeout = "500ms"
  rise = 4
  fall = 5
  path = "/ready"
  expect_status = 204
  port = 9100

  [[pools.backends]]
  address = "127.0.0.1:9001"
  weight = 3

  [[pools.backends]]
  address = "localhost:9002"
  weight = 0

[[pools]]
name = "green"
balance = "least_connections"

  [[pools.backends]]
  address = "127.0.0.1:9003"
)";

const Config& parsedFull() {
  static const LoadResult result = parseConfig(kFullConfig, "full.toml");
  return result.config.value();
}

TEST_CASE("a valid config has no diagnostics", "[config]") {
  const LoadResult result = parseConfig(kFullConfig, "full.toml");
  CHECK(result.errors.empty());
  REQUIRE(result.ok());
  CHECK(result.config->source_path == "full.toml");
}

TEST_CASE("runtime keys are read", "[config]") {
  const RuntimeConfig& runtime = parsedFull().runtime;
  CHECK(runtime.workers == 4);
  CHECK(runtime.shutdown_grace == 45s);
  CHECK(runtime.log_format == "json");
  CHECK(runtime.user == "nobody");
  CHECK(runtime.withdraw_delay == 3s);
}

TEST_CASE("admin keys are read and the API is enabled", "[config]") {
  const AdminConfig& admin = parsedFull().admin;
  CHECK(admin.enabled);
  CHECK(admin.bind.text == "127.0.0.1:9901");
  CHECK(admin.bind.host_port.host == "127.0.0.1");
  CHECK(admin.bind.host_port.port == 9901);
  CHECK(admin.bind.address.toString() == "127.0.0.1:9901");
  CHECK(admin.token == "secret");
}

TEST_CASE("tcp listener keys are read", "[config]") {
  REQUIRE(parsedFull().listeners.size() == 2);
  const ListenerConfig& web = parsedFull().listeners[0];
  CHECK(web.name == "web");
  CHECK(web.bind.text == "127.0.0.1:8080");
  CHECK(web.bind.address.toString() == "127.0.0.1:8080");
  CHECK(web.protocol == Protocol::kTcp);
  CHECK(web.pool == "blue");
  CHECK(web.connect_timeout == 1500ms);
  CHECK(web.retries == 3);
  CHECK(web.idle_timeout == 10min);
  CHECK(web.max_connections == 1000);
  CHECK(web.proxy_protocol == ProxyProtocol::kV2);
  CHECK(web.access_log);
}

TEST_CASE("tls keys are read", "[config]") {
  const ListenerConfig& web = parsedFull().listeners[0];
  REQUIRE(web.tls.has_value());
  CHECK(web.tls->cert == "conf/tls/cert.pem");
  CHECK(web.tls->key == "conf/tls/key.pem");
  CHECK(web.tls->handshake_timeout == 5s);
  CHECK(web.tls->min_version == "1.3");
  CHECK(web.tls->ciphers == "ECDHE-RSA-AES128-GCM-SHA256");
  CHECK(web.tls->ciphersuites == "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384");
  REQUIRE(web.tls->sni.size() == 1);
  CHECK(web.tls->sni[0].server_name == "a.example");
  CHECK(web.tls->sni[0].cert == "conf/tls/a.pem");
  CHECK(web.tls->sni[0].key == "conf/tls/a.key");
}

TEST_CASE("udp listener keys are read, with an IPv6 bind", "[config]") {
  const ListenerConfig& dns = parsedFull().listeners[1];
  CHECK(dns.name == "dns");
  CHECK(dns.bind.text == "[::1]:5353");
  CHECK(dns.bind.host_port.host == "::1");
  CHECK(dns.bind.address.toString() == "[::1]:5353");
  CHECK(dns.protocol == Protocol::kUdp);
  CHECK(dns.pool == "green");
  CHECK(dns.idle_timeout == 30s);
  CHECK(dns.max_sessions == 1024);
  CHECK_FALSE(dns.tls.has_value());
}

TEST_CASE("pool and health check keys are read", "[config]") {
  REQUIRE(parsedFull().pools.size() == 2);
  const PoolConfig& blue = parsedFull().pools[0];
  CHECK(blue.name == "blue");
  CHECK(blue.balance == BalanceAlgorithm::kConsistentHash);
  CHECK(blue.hash_key == HashKey::kSourceIpPort);
  CHECK(blue.drain_timeout == 90s);
  CHECK(blue.table_size == 257);
  const HealthCheckConfig& check = blue.health_check;
  CHECK(check.type == HealthCheckType::kHttp);
  CHECK(check.interval == 3s);
  CHECK(check.timeout == 500ms);
  CHECK(check.rise == 4);
  CHECK(check.fall == 5);
  CHECK(check.path == "/ready");
  CHECK(check.expect_status == 204);
  CHECK(check.port == std::optional<uint16_t>(9100));
  CHECK(parsedFull().pools[1].balance == BalanceAlgorithm::kLeastConnections);
}

TEST_CASE("backends keep their address text as written", "[config]") {
  const PoolConfig& blue = parsedFull().pools[0];
  REQUIRE(blue.backends.size() == 2);
  CHECK(blue.backends[0].address.text == "127.0.0.1:9001");
  CHECK(blue.backends[0].address.address.toString() == "127.0.0.1:9001");
  CHECK(blue.backends[0].weight == 3);
  // A DNS name is resolved at load, and the label stays the name.
  CHECK(blue.backends[1].address.text == "localhost:9002");
  CHECK(blue.backends[1].address.host_port.host == "localhost");
  CHECK(blue.backends[1].address.address.port() == 9002);
  CHECK_FALSE(blue.backends[1].address.address.empty());
  CHECK(blue.backends[1].weight == 0);
}

TEST_CASE("findPool finds pools by name", "[config]") {
  CHECK(parsedFull().findPool("green") == &parsedFull().pools[1]);
  CHECK(parsedFull().findPool("blue") == &parsedFull().pools[0]);
  CHECK(parsedFull().findPool("red") == nullptr);
}

TEST_CASE("omitted keys take the contract's defaults", "[config]") {
  const LoadResult result = parseConfig(R"(
[[listeners]]
name = "web"
bind = "127.0.0.1:8080"
pool = "blue"

[[pools]]
name = "blue"
  [[pools.backends]]
  address = "127.0.0.1:9001"
)",
                                        "defaults.toml");
  REQUIRE(result.ok());
  const Config& config = *result.config;
  CHECK(config.runtime.workers == 0);
  CHECK(config.runtime.shutdown_grace == 30s);
  CHECK(config.runtime.log_format == "text");
  CHECK(config.runtime.user.empty());
  CHECK(config.runtime.withdraw_delay == 2s);
  CHECK_FALSE(config.admin.enabled);

  REQUIRE(config.listeners.size() == 1);
  const ListenerConfig& listener = config.listeners[0];
  CHECK(listener.protocol == Protocol::kTcp);
  CHECK(listener.connect_timeout == 2s);
  CHECK(listener.retries == 2);
  CHECK(listener.idle_timeout == 5min);
  CHECK(listener.max_connections == 0);
  CHECK(listener.proxy_protocol == ProxyProtocol::kNone);
  CHECK_FALSE(listener.tls.has_value());
  CHECK(listener.max_sessions == 65536);
  CHECK_FALSE(listener.access_log);

  REQUIRE(config.pools.size() == 1);
  const PoolConfig& pool = config.pools[0];
  CHECK(pool.balance == BalanceAlgorithm::kRoundRobin);
  CHECK(pool.hash_key == HashKey::kSourceIp);
  CHECK(pool.drain_timeout == 60s);
  CHECK(pool.table_size == 65537);
  CHECK(pool.health_check.type == HealthCheckType::kNone);
  REQUIRE(pool.backends.size() == 1);
  CHECK(pool.backends[0].weight == 1);
}

TEST_CASE("a health_check table without a type checks over tcp with default settings", "[config]") {
  const LoadResult result = parseConfig(R"(
[[pools]]
name = "blue"
  [pools.health_check]
  [[pools.backends]]
  address = "127.0.0.1:9001"
)",
                                        testing::kTestFile);
  REQUIRE(result.ok());
  const HealthCheckConfig& check = result.config->pools[0].health_check;
  CHECK(check.type == HealthCheckType::kTcp);
  CHECK(check.interval == 2s);
  CHECK(check.timeout == 1s);
  CHECK(check.rise == 2);
  CHECK(check.fall == 3);
  CHECK(check.path == "/healthz");
  CHECK(check.expect_status == 200);
  CHECK_FALSE(check.port.has_value());
}

TEST_CASE("health_check type none is accepted explicitly", "[config]") {
  const LoadResult result = parseConfig(R"(
[[pools]]
name = "blue"
health_check = { type = "none" }
backends = [ { address = "127.0.0.1:9001" } ]
)",
                                        testing::kTestFile);
  REQUIRE(result.ok());
  CHECK(result.config->pools[0].health_check.type == HealthCheckType::kNone);
}

TEST_CASE("TLS settings default when only cert and key are given", "[config]") {
  const LoadResult result = parseConfig(std::string(R"(
[[listeners]]
name = "web"
bind = "127.0.0.1:8443"
pool = "blue"
tls = { cert = "c.pem", key = "k.pem" }
)") + std::string(testing::kBluePool),
                                        testing::kTestFile);
  REQUIRE(result.ok());
  const TlsConfig& tls = result.config->listeners[0].tls.value();
  CHECK(tls.handshake_timeout == 10s);
  CHECK(tls.min_version == "1.2");
  CHECK(tls.ciphers.empty());
  CHECK(tls.ciphersuites.empty());
  CHECK(tls.sni.empty());
}

TEST_CASE("an empty document is a valid config with nothing in it", "[config]") {
  const LoadResult result = parseConfig("", testing::kTestFile);
  REQUIRE(result.ok());
  CHECK(result.config->listeners.empty());
  CHECK(result.config->pools.empty());
  CHECK_FALSE(result.config->admin.enabled);
}

TEST_CASE("the same backend address may appear in two pools", "[config]") {
  const LoadResult result = parseConfig(R"(
[[pools]]
name = "blue"
backends = [ { address = "127.0.0.1:9001" } ]
[[pools]]
name = "green"
backends = [ { address = "127.0.0.1:9001" } ]
)",
                                        testing::kTestFile);
  CHECK(result.ok());
}

TEST_CASE("a tcp and a udp listener may share an address", "[config]") {
  const LoadResult result = parseConfig(std::string(R"(
[[listeners]]
name = "tcp"
bind = "127.0.0.1:5353"
pool = "blue"
[[listeners]]
name = "udp"
bind = "127.0.0.1:5353"
protocol = "udp"
pool = "blue"
)") + std::string(testing::kBluePool),
                                        testing::kTestFile);
  CHECK(result.ok());
}

TEST_CASE("toString spells enums as the config file does", "[config]") {
  CHECK(std::string(toString(Protocol::kTcp)) == "tcp");
  CHECK(std::string(toString(Protocol::kUdp)) == "udp");
  CHECK(std::string(toString(BalanceAlgorithm::kRoundRobin)) == "round_robin");
  CHECK(std::string(toString(BalanceAlgorithm::kLeastConnections)) == "least_connections");
  CHECK(std::string(toString(BalanceAlgorithm::kConsistentHash)) == "consistent_hash");
  CHECK(std::string(toString(HashKey::kSourceIp)) == "source_ip");
  CHECK(std::string(toString(HashKey::kSourceIpPort)) == "source_ip_port");
  CHECK(std::string(toString(HealthCheckType::kTcp)) == "tcp");
  CHECK(std::string(toString(HealthCheckType::kHttp)) == "http");
  CHECK(std::string(toString(HealthCheckType::kNone)) == "none");
  CHECK(std::string(toString(ProxyProtocol::kNone)) == "none");
  CHECK(std::string(toString(ProxyProtocol::kV1)) == "v1");
  CHECK(std::string(toString(ProxyProtocol::kV2)) == "v2");
}

}  // namespace
}  // namespace fulcrum::config
