// The admin API's refusals over real HTTP (INTERFACE.md, "Admin API"): 401 without the
// token (and nothing changes), 404, 400, 405 and 413 with JSON errors, and a data path
// that keeps working whatever the admin port receives.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/ports.h"
#include "test/support/random_bytes.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kToken = "s3cret-token";

// fulcrum with a token, listener "web" on pool "blue" (an echo backend, and an IPv6
// loopback backend of weight 0 that never takes traffic), and an empty pool "green".
struct TokenSetup {
  EchoServer echo;
  uint16_t admin = freeTcpPort();
  uint16_t listen = freeTcpPort();
  std::string echo_address = fmt::format("127.0.0.1:{}", echo.port());
  std::string ipv6_address = fmt::format("[::1]:{}", freeTcpPort());
  FulcrumProcess fulcrum{fmt::format(R"(
[runtime]
workers = 1
shutdown_grace = "2s"

[admin]
bind = "127.0.0.1:{}"
token = "{}"

[[listeners]]
name = "web"
bind = "127.0.0.1:{}"
pool = "blue"

[[pools]]
name = "blue"
  [[pools.backends]]
  address = "{}"
  [[pools.backends]]
  address = "{}"
  weight = 0

[[pools]]
name = "green"
  [[pools.backends]]
  address = "{}"
)",
                                     admin, kToken, listen, echo_address, ipv6_address, echo_address)};

  TokenSetup() {
    REQUIRE(fulcrum.waitForTcpPort(listen, 10s));
    REQUIRE(waitForAdmin(admin, 10s));
  }

  json status() const {
    const std::optional<HttpResponse> response = httpGet(admin, "/api/v1/status");
    REQUIRE(response);
    REQUIRE(response->status == 200);
    return json::parse(response->body);
  }
  std::string backendState(size_t index) const { return status()["pools"][0]["backends"][index]["state"]; }
  std::string listenerPool() const { return status()["listeners"][0]["pool"]; }
  bool ready() const {
    const std::optional<HttpResponse> response = httpGet(admin, "/readyz");
    return response && response->status == 200;
  }
  bool proxies() const {
    UniqueFd client = connectTcp(listen, 2s);
    const std::string message = "through the proxy";
    return client && sendAll(client.get(), message, 2s) &&
           recvExact(client.get(), message.size(), 2s) == std::optional<std::string>(message);
  }
};

// The `error` text of a JSON error answer with the given status; "" (and a failed
// check) otherwise.
std::string errorOf(const std::optional<HttpResponse>& response, int status) {
  REQUIRE(response);
  INFO("answer " << response->status << " " << response->body);
  CHECK(response->status == status);
  CHECK(response->header("Content-Type") == std::optional<std::string>("application/json"));
  const json body = json::parse(response->body, nullptr, false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_string()) {
    FAIL_CHECK("not a JSON error");
    return "";
  }
  return body["error"].get<std::string>();
}

TEST_CASE("without the token or with a wrong one, mutating calls are 401 and change nothing", "[admin]") {
  TokenSetup setup;
  const std::string drain = backendPath("blue", setup.echo_address, "drain");
  for (const std::string& token : {std::string(), std::string("wrong"), std::string(kToken) + "x",
                                   std::string(kToken).substr(1)}) {
    INFO("token \"" << token << "\"");
    CHECK_FALSE(errorOf(adminCall(setup.admin, "POST", drain, "", token), 401).empty());
    CHECK_FALSE(
        errorOf(adminCall(setup.admin, "PUT", "/api/v1/listeners/web/pool", R"({"pool":"green"})", token), 401)
            .empty());
    CHECK_FALSE(errorOf(adminCall(setup.admin, "POST", "/api/v1/ready", R"({"ready":false})", token), 401).empty());
  }
  // Another scheme with the right token is no better.
  HttpRequest basic;
  basic.method = "POST";
  basic.target = drain;
  basic.headers.emplace_back("Authorization", std::string("Basic ") + kToken);
  CHECK_FALSE(errorOf(httpRequest(setup.admin, basic), 401).empty());

  CHECK(setup.backendState(0) == "up");
  CHECK(setup.listenerPool() == "blue");
  CHECK(setup.ready());

  // With the token the same calls work.
  CHECK(adminCall(setup.admin, "POST", drain, "", kToken)->status == 200);
  CHECK(setup.backendState(0) == "draining");
  CHECK(adminCall(setup.admin, "PUT", "/api/v1/listeners/web/pool", R"({"pool":"green"})", kToken)->status == 200);
  CHECK(setup.listenerPool() == "green");
  CHECK(adminCall(setup.admin, "POST", "/api/v1/ready", R"({"ready":false})", kToken)->status == 200);
  CHECK_FALSE(setup.ready());
}

TEST_CASE("with a token, reading calls stay open", "[admin]") {
  TokenSetup setup;
  for (const char* path : {"/metrics", "/healthz", "/readyz", "/api/v1/status"}) {
    INFO(path);
    const std::optional<HttpResponse> response = httpGet(setup.admin, path);
    REQUIRE(response);
    CHECK(response->status == 200);
  }
}

TEST_CASE("a percent-encoded IPv6 backend address can be drained and enabled", "[admin]") {
  TokenSetup setup;
  const std::string encoded = backendPath("blue", setup.ipv6_address, "drain");
  CHECK(encoded.find("%5B%3A%3A1%5D%3A") != std::string::npos);
  const std::optional<HttpResponse> drained = adminCall(setup.admin, "POST", encoded, "", kToken);
  REQUIRE(drained);
  CHECK(drained->status == 200);
  CHECK(json::parse(drained->body)["backend"] == setup.ipv6_address);
  CHECK(setup.backendState(1) == "draining");
  CHECK(adminCall(setup.admin, "POST", backendPath("blue", setup.ipv6_address, "enable"), "", kToken)->status == 200);
  CHECK(setup.backendState(1) == "up");
}

TEST_CASE("unknown endpoints, pools, backends and listeners are 404 with a JSON error", "[admin]") {
  TokenSetup setup;
  CHECK(errorOf(httpGet(setup.admin, "/"), 404) == "no such endpoint");
  CHECK(errorOf(httpGet(setup.admin, "/api/v1/statuses"), 404) == "no such endpoint");
  CHECK(errorOf(adminCall(setup.admin, "POST", backendPath("purple", setup.echo_address, "drain"), "", kToken), 404) ==
        "unknown pool \"purple\"");
  CHECK(errorOf(adminCall(setup.admin, "POST", backendPath("blue", "127.0.0.1:1", "enable"), "", kToken), 404) ==
        "unknown backend \"127.0.0.1:1\" in pool \"blue\"");
  CHECK(errorOf(adminCall(setup.admin, "PUT", "/api/v1/listeners/mail/pool", R"({"pool":"green"})", kToken), 404) ==
        "unknown listener \"mail\"");
  CHECK(errorOf(adminCall(setup.admin, "PUT", "/api/v1/listeners/web/pool", R"({"pool":"purple"})", kToken), 404) ==
        "unknown pool \"purple\"");
  CHECK(setup.listenerPool() == "blue");
}

TEST_CASE("malformed JSON, a wrong type or a bad escape is 400 with a JSON error", "[admin]") {
  TokenSetup setup;
  const std::string target = "/api/v1/listeners/web/pool";
  CHECK(errorOf(adminCall(setup.admin, "PUT", target, R"({"pool":)", kToken), 400) == "the body is not valid JSON");
  CHECK(errorOf(adminCall(setup.admin, "PUT", target, "", kToken), 400) == "the body is not valid JSON");
  CHECK(errorOf(adminCall(setup.admin, "PUT", target, R"({"pool":42})", kToken), 400) ==
        "\"pool\" must be a non-empty string");
  CHECK(errorOf(adminCall(setup.admin, "PUT", target, R"(["green"])", kToken), 400) ==
        "the body must be a JSON object");
  CHECK(errorOf(adminCall(setup.admin, "POST", "/api/v1/ready", R"({"ready":"no"})", kToken), 400) ==
        "\"ready\" must be true or false");
  CHECK(errorOf(adminCall(setup.admin, "POST", "/api/v1/pools/bl%ue/backends/x/drain", "", kToken), 400) ==
        "malformed percent-encoding in the path");
  CHECK(setup.listenerPool() == "blue");
  CHECK(setup.ready());
}

TEST_CASE("a wrong method is 405 with Allow and a JSON error", "[admin]") {
  TokenSetup setup;
  std::optional<HttpResponse> response = adminCall(setup.admin, "DELETE", "/metrics");
  CHECK(errorOf(response, 405) == "DELETE is not allowed here; use GET, HEAD");
  CHECK(response->header("Allow") == std::optional<std::string>("GET, HEAD"));

  response = adminCall(setup.admin, "GET", backendPath("blue", setup.echo_address, "drain"));
  CHECK(errorOf(response, 405) == "GET is not allowed here; use POST");
  CHECK(response->header("Allow") == std::optional<std::string>("POST"));

  response = adminCall(setup.admin, "POST", "/api/v1/listeners/web/pool", R"({"pool":"green"})", kToken);
  CHECK(errorOf(response, 405) == "POST is not allowed here; use PUT");
  CHECK(setup.listenerPool() == "blue");
}

TEST_CASE("a body over 64 KiB is 413 with a JSON error and changes nothing", "[admin]") {
  TokenSetup setup;
  // {"pool":"green", then spaces up to 64 KiB + 1 in all: valid JSON, only too long.
  std::string body = R"({"pool":"green")";
  body += std::string(64 * 1024 + 1 - body.size() - 1, ' ') + "}";
  REQUIRE(body.size() == 64 * 1024 + 1);
  CHECK(errorOf(adminCall(setup.admin, "PUT", "/api/v1/listeners/web/pool", body, kToken), 413) ==
        "the body is larger than 65536 bytes");

  // Without a length: chunked, 80 KiB in 1 KiB chunks.
  std::string chunked = fmt::format(
      "PUT /api/v1/listeners/web/pool HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {}\r\n"
      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
      kToken);
  const std::string chunk(1024, ' ');
  for (int i = 0; i < 80; ++i) chunked += fmt::format("{:x}\r\n{}\r\n", chunk.size(), chunk);
  chunked += "0\r\n\r\n";
  CHECK(errorOf(httpExchangeRaw(setup.admin, chunked), 413) == "the body is larger than 65536 bytes");

  // Exactly 64 KiB is fine.
  body.erase(body.size() - 2, 1);
  REQUIRE(body.size() == 64 * 1024);
  CHECK(setup.listenerPool() == "blue");
  CHECK(adminCall(setup.admin, "PUT", "/api/v1/listeners/web/pool", body, kToken)->status == 200);
  CHECK(setup.listenerPool() == "green");
}

TEST_CASE("garbage on the admin port never disturbs the data path", "[admin]") {
  TokenSetup setup;
  REQUIRE(setup.proxies());
  // Random bytes, truncated requests, oversized headers, absurd lengths.
  std::vector<std::string> garbage;
  for (uint64_t seed = 0; seed < 20; ++seed) garbage.push_back(randomBytes(1 + seed * 97, seed));
  garbage.push_back("GET /metrics HTTP/1.1\r\nHost:");
  garbage.push_back("GET /" + std::string(100 * 1024, 'a') + " HTTP/1.1\r\n\r\n");
  garbage.push_back("GET /metrics HTTP/1.1\r\nX: " + std::string(64 * 1024, 'b') + "\r\n\r\n");
  garbage.push_back("POST /api/v1/ready HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n");
  garbage.push_back("POST /api/v1/ready HTTP/1.1\r\nContent-Length: -5\r\n\r\n");
  garbage.push_back("PUT /api/v1/listeners/web/pool HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  garbage.push_back("BREW /coffee HTCPCP/1.0\r\n\r\n");
  for (const std::string& request : garbage) {
    // The client sends, ends its side, and reads whatever answer (or none) comes.
    UniqueFd client = connectTcp(setup.admin, 2s);
    REQUIRE(client);
    sendAll(client.get(), request, 2s);
    shutdownWrite(client.get());
    CHECK(recvUntilEof(client.get(), 5s).end != StreamEnd::kTimeout);
  }
  CHECK(setup.proxies());
  CHECK(setup.listenerPool() == "blue");
  const std::optional<HttpResponse> health = httpGet(setup.admin, "/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == "ok");
}

TEST_CASE("a client stalled mid-request does not hold up other admin calls", "[admin]") {
  TokenSetup setup;
  UniqueFd stalled = connectTcp(setup.admin, 2s);
  REQUIRE(stalled);
  REQUIRE(sendAll(stalled.get(), "GET /metrics HTTP/1.1\r\nHost: a", 2s));
  const Clock::time_point start = Clock::now();
  const std::optional<HttpResponse> health = httpGet(setup.admin, "/healthz", 2s);
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(Clock::now() - start < 1s);
  CHECK(setup.proxies());
}

}  // namespace
}  // namespace fulcrum::test
