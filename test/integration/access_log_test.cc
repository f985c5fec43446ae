// The per-connection access log (listeners.access_log): a line per TCP connection and
// per UDP session; and runtime.log_format = "json" (issue "Operator experience").
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "test/support/backends.h"
#include "test/support/config_edits.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/random_bytes.h"
#include "test/support/tcp_client.h"
#include "test/support/http_admin.h"
#include "test/support/udp_client.h"
#include "test/support/udp_echo_server.h"
#include "test/support/udp_proxy_config.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// The text access lines' fields: "… info access listener=test client=… reason=closed".
std::vector<std::map<std::string, std::string>> textAccessLines(const std::string& log) {
  std::vector<std::map<std::string, std::string>> entries;
  static const std::regex kField(R"( (\w+)=(\S+))");
  for (const std::string& line : linesOf(log)) {
    if (line.find(" info access ") == std::string::npos) continue;
    std::map<std::string, std::string> fields;
    for (std::sregex_iterator it(line.begin(), line.end(), kField), end; it != end; ++it) {
      fields[(*it)[1].str()] = (*it)[2].str();
    }
    entries.push_back(fields);
  }
  return entries;
}

// Sends `payload`, half-closes and reads the echo to EOF: one complete connection.
void echoOnce(uint16_t port, const std::string& payload) {
  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), payload, 5s));
  shutdownWrite(client.get());
  const ReceiveResult echoed = recvUntilEof(client.get(), 5s);
  REQUIRE(echoed.end == StreamEnd::kEof);
  REQUIRE(echoed.data == payload);
}

std::string accessLogConfig(uint16_t port, uint16_t backend_port) {
  return withListenerKeys(tcpProxyConfig({.listen_port = port, .backend_ports = {backend_port}}),
                          "access_log = true\n");
}

bool waitForLineCount(FulcrumProcess& fulcrum, std::string_view needle, size_t count, Millis timeout) {
  const Deadline deadline(timeout);
  while (!deadline.expired()) {
    const std::string log = fulcrum.log();
    size_t found = 0;
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++found;
    if (found >= count) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TEST_CASE("the access log has one line per connection with its byte counts both ways", "[access_log]") {
  EchoServer backend;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(accessLogConfig(port, backend.port()));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  const std::vector<size_t> sizes = {1, 4000, 300000};
  for (size_t index = 0; index < sizes.size(); ++index) echoOnce(port, randomBytes(sizes[index], 40 + index));
  REQUIRE(waitForLineCount(fulcrum, " info access ", sizes.size(), 5s));

  const auto entries = textAccessLines(fulcrum.log());
  REQUIRE(entries.size() == sizes.size());
  std::multiset<std::string> to_backend, to_client, expected;
  for (const auto& entry : entries) {
    CHECK(entry.at("listener") == "test");
    CHECK(entry.at("backend") == fmt::format("127.0.0.1:{}", backend.port()));
    CHECK(entry.at("client").starts_with("127.0.0.1:"));
    CHECK(entry.at("reason") == "closed");
    CHECK(entry.count("duration_ms") == 1);
    to_backend.insert(entry.at("bytes_to_backend"));
    to_client.insert(entry.at("bytes_to_client"));
  }
  for (const size_t size : sizes) expected.insert(std::to_string(size));
  CHECK(to_backend == expected);
  CHECK(to_client == expected);
}

TEST_CASE("a connection that no backend accepts is logged as connect_failed", "[access_log]") {
  const uint16_t port = freeTcpPort();
  const uint16_t closed_port = freeTcpPort();  // nothing listens there
  FulcrumProcess fulcrum(accessLogConfig(port, closed_port));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  // fulcrum closes the client as soon as the backend refuses, which on loopback can come
  // before this side has read its own connect result (then it reads as a reset).
  ConnectResult attempt = tryConnectTcp(port, 2s);
  REQUIRE((attempt.outcome == ConnectOutcome::kConnected || attempt.outcome == ConnectOutcome::kReset));
  if (attempt.fd) CHECK(isClosedByPeer(attempt.fd.get(), 5s));
  REQUIRE(waitForLineCount(fulcrum, " info access ", 1, 5s));
  const auto entries = textAccessLines(fulcrum.log());
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].at("reason") == "connect_failed");
  CHECK(entries[0].at("bytes_to_backend") == "0");
  CHECK(entries[0].at("bytes_to_client") == "0");
}

TEST_CASE("without access_log no access line is written", "[access_log]") {
  EchoServer backend;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  echoOnce(port, "ping");
  // Stopping flushes whatever the access log buffered.
  fulcrum.stop();
  CHECK(fulcrum.log().find(" access ") == std::string::npos);
}

TEST_CASE("with log_format json every log line, access lines included, is a JSON object", "[access_log]") {
  EchoServer backend;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(withRuntimeKeys(accessLogConfig(port, backend.port()), "log_format = \"json\"\n"));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  echoOnce(port, "hello \"json\"\n");
  REQUIRE(waitForLineCount(fulcrum, "\"msg\":\"access\"", 1, 5s));
  fulcrum.stop();

  const std::vector<std::string> lines = linesOf(fulcrum.log());
  REQUIRE(lines.size() >= 4);  // starting, pool, listener, access, stopping…
  size_t access_lines = 0;
  static const std::regex kRfc3339Millis(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (const std::string& line : lines) {
    INFO(line);
    const nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(parsed.is_object());
    CHECK(std::regex_match(parsed.at("time").get<std::string>(), kRfc3339Millis));
    CHECK(parsed.at("level").is_string());
    CHECK(parsed.at("msg").is_string());
    if (parsed.at("msg") != "access") continue;
    ++access_lines;
    CHECK(parsed.at("listener") == "test");
    CHECK(parsed.at("bytes_to_backend") == 13);
    CHECK(parsed.at("bytes_to_client") == 13);
    CHECK(parsed.at("reason") == "closed");
  }
  CHECK(access_lines == 1);
}

std::string udpAccessLogConfig(UdpProxySpec spec) { return withListenerKeys(udpProxyConfig(spec), "access_log = true\n"); }

TEST_CASE("udp: a session's line has its byte counts both ways, and idle_timeout ends it", "[access_log]") {
  UdpEchoServer backend("A");  // answers "A" + the datagram
  const uint16_t port = freeUdpPort();
  FulcrumProcess fulcrum(udpAccessLogConfig({.listen_port = port, .backends = {{backend.port()}}, .idle_timeout = "300ms"}));
  REQUIRE(waitForUdpPort(port, 10s));
  UdpClient client;
  REQUIRE(client.roundTrip(port, "hello", 2s));
  REQUIRE(client.roundTrip(port, "world!", 2s));
  REQUIRE(waitForLineCount(fulcrum, " info access ", 1, 5s));

  const auto entries = textAccessLines(fulcrum.log());
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].at("listener") == "udp");
  CHECK(entries[0].at("client") == fmt::format("127.0.0.1:{}", client.localPort()));
  CHECK(entries[0].at("backend") == backend.address());
  CHECK(entries[0].at("bytes_to_backend") == "11");
  CHECK(entries[0].at("bytes_to_client") == "13");
  CHECK(std::stoul(entries[0].at("duration_ms")) >= 300);
  CHECK(entries[0].at("reason") == "idle_timeout");
}

TEST_CASE("udp: sessions open at SIGTERM are logged with reason shutdown", "[access_log]") {
  UdpEchoServer backend("A");
  const uint16_t port = freeUdpPort();
  FulcrumProcess fulcrum(udpAccessLogConfig({.listen_port = port, .backends = {{backend.port()}}, .withdraw_delay = "0s"}));
  REQUIRE(waitForUdpPort(port, 10s));
  UdpClient first;
  UdpClient second;
  REQUIRE(first.roundTrip(port, "one", 2s));
  REQUIRE(second.roundTrip(port, "two", 2s));
  CHECK(fulcrum.stop().exitedWith(0));

  const auto entries = textAccessLines(fulcrum.log());
  REQUIRE(entries.size() == 2);
  for (const auto& entry : entries) {
    CHECK(entry.at("reason") == "shutdown");
    CHECK(entry.at("bytes_to_backend") == "3");
    CHECK(entry.at("bytes_to_client") == "4");
  }
}

TEST_CASE("udp: a session ended by its backend's drain_timeout is logged as drained", "[access_log]") {
  UdpEchoServer backend("A");
  const uint16_t port = freeUdpPort();
  const uint16_t admin = freeTcpPort();
  FulcrumProcess fulcrum(udpAccessLogConfig(
      {.listen_port = port, .backends = {{backend.port()}}, .drain_timeout = "200ms", .admin_port = admin}));
  REQUIRE(waitForUdpPort(port, 10s));
  REQUIRE(waitForAdmin(admin, 10s));
  UdpClient client;
  REQUIRE(client.roundTrip(port, "hello", 2s));
  const std::optional<HttpResponse> drain =
      adminCall(admin, "POST", backendPath("backends", backend.address(), "drain"));
  REQUIRE(drain);
  REQUIRE(drain->status == 200);
  REQUIRE(waitForLineCount(fulcrum, " info access ", 1, 5s));
  const auto entries = textAccessLines(fulcrum.log());
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].at("reason") == "drained");
}

}  // namespace
}  // namespace fulcrum::test
