// Invalid values in a config file: addresses, durations, enums, numeric ranges, table
// sizes, and settings that do not fit the listener's protocol. Each test pins the exact
// message and its LINE:COL.
#include <string>

#include <catch2/catch.hpp>

#include "test/unit/config_test_util.h"

namespace fulcrum::config {
namespace {

using Errors = std::vector<std::string>;
using testing::errorsOf;
using testing::errorsWithBluePool;

// A listener whose last line is `extra_line`, at line 5.
std::string listenerWith(const std::string& extra_line) {
  return "[[listeners]]\n"
         "name = \"web\"\n"
         "bind = \"127.0.0.1:8080\"\n"
         "pool = \"blue\"\n" +
         extra_line + "\n";
}

// A pool "blue" with one backend whose last line is `extra_line`, at line 5.
std::string poolWith(const std::string& extra_line) {
  return "[[pools]]\n"
         "name = \"blue\"\n"
         "[[pools.backends]]\n"
         "address = \"127.0.0.1:9001\"\n"
         "[pools.health_check]\n" +
         extra_line + "\n";
}

std::string backendAddressed(const std::string& address) {
  return "[[pools]]\nname = \"blue\"\n[[pools.backends]]\naddress = \"" + address + "\"\n";
}

TEST_CASE("an address without a port is reported", "[config]") {
  CHECK(errorsOf(backendAddressed("127.0.0.1")) ==
        Errors{"test.toml:4:11: error: \"pools[0].backends[0].address\": invalid address \"127.0.0.1\" (expected "
               "HOST:PORT or [IPv6]:PORT, with a port between 1 and 65535)"});
}

TEST_CASE("an address with port 0 is reported", "[config]") {
  CHECK(errorsOf(backendAddressed("127.0.0.1:0")) ==
        Errors{"test.toml:4:11: error: \"pools[0].backends[0].address\": invalid address \"127.0.0.1:0\" (the port "
               "must be between 1 and 65535)"});
}

TEST_CASE("an address with a port above 65535 is reported", "[config]") {
  CHECK(errorsOf(backendAddressed("127.0.0.1:65536")) ==
        Errors{"test.toml:4:11: error: \"pools[0].backends[0].address\": invalid address \"127.0.0.1:65536\" "
               "(expected HOST:PORT or [IPv6]:PORT, with a port between 1 and 65535)"});
}

TEST_CASE("an IPv6 address without brackets is reported", "[config]") {
  CHECK(errorsOf(backendAddressed("::1:80")) ==
        Errors{"test.toml:4:11: error: \"pools[0].backends[0].address\": invalid address \"::1:80\" (expected "
               "HOST:PORT or [IPv6]:PORT, with a port between 1 and 65535)"});
}

TEST_CASE("a listener bind address is validated too", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\nname = \"web\"\nbind = \":8080\"\npool = \"blue\"\n") ==
        Errors{"test.toml:3:8: error: \"listeners[0].bind\": invalid address \":8080\" (expected HOST:PORT or "
               "[IPv6]:PORT, with a port between 1 and 65535)"});
}

TEST_CASE("a DNS name that does not resolve is reported", "[config]") {
  // An empty label makes the resolver fail locally, without asking a DNS server.
  CHECK(errorsOf(backendAddressed("bad..name:80")) ==
        Errors{"test.toml:4:11: error: \"pools[0].backends[0].address\": cannot resolve \"bad..name\": Name or "
               "service not known"});
}

TEST_CASE("a duration with a space is reported", "[config]") {
  CHECK(errorsOf("[runtime]\nshutdown_grace = \"2 s\"\n") ==
        Errors{"test.toml:2:18: error: \"runtime.shutdown_grace\": invalid duration \"2 s\" (expected a whole "
               "number and a unit: ms, s, m or h, such as \"250ms\" or \"2s\")"});
}

TEST_CASE("a duration without a unit is reported", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("connect_timeout = \"5\"")) ==
        Errors{"test.toml:5:19: error: \"listeners[0].connect_timeout\": invalid duration \"5\" (expected a whole "
               "number and a unit: ms, s, m or h, such as \"250ms\" or \"2s\")"});
}

TEST_CASE("a duration with an unknown unit is reported", "[config]") {
  CHECK(errorsOf("[[pools]]\nname = \"blue\"\ndrain_timeout = \"1d\"\nbackends = [{ address = \"127.0.0.1:1\" }]\n") ==
        Errors{"test.toml:3:17: error: \"pools[0].drain_timeout\": invalid duration \"1d\" (expected a whole "
               "number and a unit: ms, s, m or h, such as \"250ms\" or \"2s\")"});
}

TEST_CASE("a zero connect timeout is reported", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("connect_timeout = \"0s\"")) ==
        Errors{"test.toml:5:19: error: \"listeners[0].connect_timeout\" must be greater than zero, got \"0s\""});
}

TEST_CASE("a zero health check interval is reported", "[config]") {
  CHECK(errorsOf(poolWith("interval = \"0ms\"")) ==
        Errors{"test.toml:6:12: error: \"pools[0].health_check.interval\" must be greater than zero, got \"0ms\""});
}

TEST_CASE("a zero shutdown grace is allowed", "[config]") {
  CHECK(errorsOf("[runtime]\nshutdown_grace = \"0s\"\n").empty());
}

TEST_CASE("a health check timeout longer than its interval is allowed", "[config]") {
  // HAProxy and Envoy accept this too; the checker simply never overlaps probes.
  CHECK(errorsOf(poolWith("interval = \"1s\"\ntimeout = \"5s\"")).empty());
}

TEST_CASE("an unknown protocol is reported with the choices", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("protocol = \"sctp\"")) ==
        Errors{"test.toml:5:12: error: \"listeners[0].protocol\" must be one of \"tcp\", \"udp\", got \"sctp\""});
}

TEST_CASE("an unknown proxy_protocol version is reported with the choices", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("proxy_protocol = \"v3\"")) ==
        Errors{"test.toml:5:18: error: \"listeners[0].proxy_protocol\" must be one of \"none\", \"v1\", \"v2\", got "
               "\"v3\""});
}

TEST_CASE("an unknown balance algorithm is reported with the choices", "[config]") {
  CHECK(errorsOf("[[pools]]\nname = \"blue\"\nbalance = \"random\"\nbackends = [{ address = \"127.0.0.1:1\" }]\n") ==
        Errors{"test.toml:3:11: error: \"pools[0].balance\" must be one of \"round_robin\", \"least_connections\", "
               "\"consistent_hash\", got \"random\""});
}

TEST_CASE("an unknown hash key is reported with the choices", "[config]") {
  CHECK(errorsOf("[[pools]]\nname = \"blue\"\nhash_key = \"dest_ip\"\nbackends = [{ address = \"127.0.0.1:1\" }]\n") ==
        Errors{"test.toml:3:12: error: \"pools[0].hash_key\" must be one of \"source_ip\", \"source_ip_port\", got "
               "\"dest_ip\""});
}

TEST_CASE("an unknown health check type is reported with the choices", "[config]") {
  CHECK(errorsOf(poolWith("type = \"udp\"")) ==
        Errors{"test.toml:6:8: error: \"pools[0].health_check.type\" must be one of \"tcp\", \"http\", \"none\", "
               "got \"udp\""});
}

TEST_CASE("an unknown log format is reported with the choices", "[config]") {
  CHECK(errorsOf("[runtime]\nlog_format = \"xml\"\n") ==
        Errors{"test.toml:2:14: error: \"runtime.log_format\" must be one of \"text\", \"json\", got \"xml\""});
}

TEST_CASE("an unsupported TLS minimum version is reported with the choices", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("tls = { cert = \"c.pem\", key = \"k.pem\", min_version = \"1.1\" }")) ==
        Errors{"test.toml:5:54: error: \"listeners[0].tls.min_version\" must be one of \"1.2\", \"1.3\", got "
               "\"1.1\""});
}

TEST_CASE("too many workers are reported with the range", "[config]") {
  CHECK(errorsOf("[runtime]\nworkers = 1025\n") ==
        Errors{"test.toml:2:11: error: \"runtime.workers\" must be between 0 and 1024, got 1025"});
}

TEST_CASE("negative workers are reported with the range", "[config]") {
  CHECK(errorsOf("[runtime]\nworkers = -1\n") ==
        Errors{"test.toml:2:11: error: \"runtime.workers\" must be between 0 and 1024, got -1"});
}

TEST_CASE("too many retries are reported with the range", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("retries = 101")) ==
        Errors{"test.toml:5:11: error: \"listeners[0].retries\" must be between 0 and 100, got 101"});
}

TEST_CASE("a weight above 1000 is reported with the range", "[config]") {
  CHECK(errorsOf(backendAddressed("127.0.0.1:9001") + "weight = 1001\n") ==
        Errors{"test.toml:5:10: error: \"pools[0].backends[0].weight\" must be between 0 and 1000, got 1001"});
}

TEST_CASE("a negative weight is reported with the range", "[config]") {
  CHECK(errorsOf(backendAddressed("127.0.0.1:9001") + "weight = -1\n") ==
        Errors{"test.toml:5:10: error: \"pools[0].backends[0].weight\" must be between 0 and 1000, got -1"});
}

TEST_CASE("rise 0 is reported", "[config]") {
  CHECK(errorsOf(poolWith("rise = 0")) ==
        Errors{"test.toml:6:8: error: \"pools[0].health_check.rise\" must be at least 1, got 0"});
}

TEST_CASE("fall 0 is reported", "[config]") {
  CHECK(errorsOf(poolWith("fall = 0")) ==
        Errors{"test.toml:6:8: error: \"pools[0].health_check.fall\" must be at least 1, got 0"});
}

TEST_CASE("an expected status below 100 is reported with the range", "[config]") {
  CHECK(errorsOf(poolWith("expect_status = 99")) ==
        Errors{"test.toml:6:17: error: \"pools[0].health_check.expect_status\" must be between 100 and 599, got 99"});
}

TEST_CASE("an expected status above 599 is reported with the range", "[config]") {
  CHECK(errorsOf(poolWith("expect_status = 600")) ==
        Errors{"test.toml:6:17: error: \"pools[0].health_check.expect_status\" must be between 100 and 599, got 600"});
}

TEST_CASE("a health check port of 0 is reported with the range", "[config]") {
  CHECK(errorsOf(poolWith("port = 0")) ==
        Errors{"test.toml:6:8: error: \"pools[0].health_check.port\" must be between 1 and 65535, got 0"});
}

TEST_CASE("a health check port above 65535 is reported with the range", "[config]") {
  CHECK(errorsOf(poolWith("port = 65536")) ==
        Errors{"test.toml:6:8: error: \"pools[0].health_check.port\" must be between 1 and 65535, got 65536"});
}

TEST_CASE("an http check path that is not an absolute path is reported", "[config]") {
  CHECK(errorsOf(poolWith("path = \"healthz\"")) ==
        Errors{"test.toml:6:8: error: \"pools[0].health_check.path\" must start with \"/\" and contain no spaces or "
               "control characters, got \"healthz\""});
}

TEST_CASE("an http check path with a space is reported", "[config]") {
  CHECK(errorsOf(poolWith("path = \"/a b\"")) ==
        Errors{"test.toml:6:8: error: \"pools[0].health_check.path\" must start with \"/\" and contain no spaces or "
               "control characters, got \"/a b\""});
}

TEST_CASE("max_sessions 0 is reported", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("max_sessions = 0")) ==
        Errors{"test.toml:5:16: error: \"listeners[0].max_sessions\" must be at least 1, got 0"});
}

TEST_CASE("negative max_connections is reported", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("max_connections = -5")) ==
        Errors{"test.toml:5:19: error: \"listeners[0].max_connections\" must be at least 0, got -5"});
}

TEST_CASE("a table size that is not prime is reported", "[config]") {
  CHECK(errorsOf(backendAddressed("127.0.0.1:9001") + "[[pools]]\nname = \"green\"\ntable_size = 65536\n"
                                                      "backends = [{ address = \"127.0.0.1:9002\" }]\n") ==
        Errors{"test.toml:7:14: error: \"pools[1].table_size\" must be a prime number, got 65536"});
}

TEST_CASE("a table size of 2^24 or more is reported", "[config]") {
  CHECK(errorsOf("[[pools]]\nname = \"blue\"\ntable_size = 16777259\nbackends = [{ address = \"127.0.0.1:1\" }]\n") ==
        Errors{"test.toml:3:14: error: \"pools[0].table_size\" must be less than 16777216, got 16777259"});
}

TEST_CASE("a table size below 100 slots per backend is reported for consistent_hash", "[config]") {
  CHECK(errorsOf("[[pools]]\n"
                 "name = \"blue\"\n"
                 "balance = \"consistent_hash\"\n"
                 "table_size = 199\n"
                 "backends = [{ address = \"127.0.0.1:1\" }, { address = \"127.0.0.1:2\" }]\n") ==
        Errors{"test.toml:4:14: error: \"pools[0].table_size\" must be at least 100 times the number of backends (200 "
               "for 2 backends), got 199"});
}

TEST_CASE("a small table size is fine for pools that do not hash", "[config]") {
  CHECK(errorsOf("[[pools]]\n"
                 "name = \"blue\"\n"
                 "table_size = 101\n"
                 "backends = [{ address = \"127.0.0.1:1\" }, { address = \"127.0.0.1:2\" }]\n")
            .empty());
}

TEST_CASE("the default table size is checked against a large consistent_hash pool", "[config]") {
  std::string text = "[[pools]]\nname = \"big\"\nbalance = \"consistent_hash\"\n";
  for (int port = 1; port <= 656; ++port) {
    text += "[[pools.backends]]\naddress = \"127.0.0.1:" + std::to_string(port) + "\"\n";
  }
  CHECK(errorsOf(text) == Errors{"test.toml:1:1: error: \"pools[0].table_size\" must be at least 100 times the "
                                 "number of backends (65600 for 656 backends), got the default 65537"});
}

TEST_CASE("proxy_protocol on a udp listener is reported", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("protocol = \"udp\"\nproxy_protocol = \"v1\"")) ==
        Errors{"test.toml:6:18: error: \"listeners[0].proxy_protocol\" is only supported on tcp listeners"});
}

TEST_CASE("proxy_protocol none on a udp listener is fine", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("protocol = \"udp\"\nproxy_protocol = \"none\"")).empty());
}

TEST_CASE("tls on a udp listener is reported", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("protocol = \"udp\"\n[listeners.tls]\ncert = \"c.pem\"\nkey = \"k.pem\"")) ==
        Errors{"test.toml:6:1: error: \"listeners[0].tls\" is only supported on tcp listeners"});
}

TEST_CASE("a cipher list OpenSSL cannot use is reported", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("tls = { cert = \"c.pem\", key = \"k.pem\", ciphers = \"NOPE\" }")) ==
        Errors{"test.toml:5:50: error: \"listeners[0].tls.ciphers\": OpenSSL selects no cipher from \"NOPE\""});
}

TEST_CASE("an unknown TLS 1.3 cipher suite is reported by name", "[config]") {
  CHECK(errorsWithBluePool(listenerWith(
            "tls = { cert = \"c.pem\", key = \"k.pem\", ciphersuites = \"TLS_AES_128_GCM_SHA256:TLS_NOPE\" }")) ==
        Errors{"test.toml:5:55: error: \"listeners[0].tls.ciphersuites\": unknown TLS 1.3 cipher suite "
               "\"TLS_NOPE\""});
}

TEST_CASE("a zero TLS handshake timeout is reported", "[config]") {
  CHECK(errorsWithBluePool(listenerWith("tls = { cert = \"c.pem\", key = \"k.pem\", handshake_timeout = \"0s\" }")) ==
        Errors{"test.toml:5:60: error: \"listeners[0].tls.handshake_timeout\" must be greater than zero, got "
               "\"0s\""});
}

}  // namespace
}  // namespace fulcrum::config
