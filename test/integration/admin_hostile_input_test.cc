// Hostile input on a running fulcrum's admin port (issue 10, "Hostile input"): random
// bodies on every endpoint, a 1 MiB header line, invalid methods, malformed and deeply
// nested JSON, non-UTF-8 paths. Each answer is 4xx (or the connection is closed, when
// civetweb cannot parse the request at all), never 5xx, and fulcrum still answers
// /healthz afterwards.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/http_client.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/random_bytes.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using nlohmann::json;

constexpr const char* kToken = "hostile-token";

// fulcrum with a token and one listener "web" on pool "blue" (an echo backend, so that
// /readyz is 200 throughout).
struct HostileSetup {
  EchoServer echo;
  uint16_t admin = freeTcpPort();
  uint16_t listen = freeTcpPort();
  std::string backend = fmt::format("127.0.0.1:{}", echo.port());
  FulcrumProcess fulcrum{tcpProxyConfig({.listen_port = listen,
                                         .backend_ports = {echo.port()},
                                         .workers = 1,
                                         .shutdown_grace = "1s",
                                         .listener_name = "web",
                                         .pool_name = "blue",
                                         .admin_port = admin,
                                         .admin_token = kToken})};

  HostileSetup() {
    REQUIRE(fulcrum.waitForTcpPort(listen, 10s));
    REQUIRE(waitForAdmin(admin, 10s));
  }

  // The process survived and its admin API still answers.
  void checkStillServing() {
    CHECK(fulcrum.running());
    const std::optional<HttpResponse> health = httpGet(admin, "/healthz");
    REQUIRE(health);
    CHECK(health->status == 200);
    CHECK(health->body == "ok");
  }
};

// Sends `raw` as is, ends the client's side and reads until the server closes. The
// answer's status, or nullopt when the server closed (or reset) without answering.
std::optional<int> rawExchange(uint16_t port, const std::string& raw) {
  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  sendAll(client.get(), raw, 5s);  // may fail halfway when the server gives up early
  shutdownWrite(client.get());
  const ReceiveResult received = recvUntilEof(client.get(), 5s);
  REQUIRE(received.end != StreamEnd::kTimeout);
  if (received.data.empty()) return std::nullopt;
  const std::optional<HttpResponse> response = parseHttpResponse(received.data);
  INFO("answer " << received.data.substr(0, 200));
  REQUIRE(response);
  return response->status;
}

bool isClientError(int status) { return status >= 400 && status <= 499; }

// A 4xx answer, or a closed connection.
bool refused(const std::optional<int>& status) { return !status || isClientError(*status); }

std::string errorOf(const HttpResponse& response) {
  const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_string()) return "";
  return body["error"].get<std::string>();
}

TEST_CASE("admin endpoints given random bytes as a body refuse or ignore it, never 5xx", "[admin][hostile]") {
  HostileSetup setup;
  struct Endpoint {
    const char* method;
    std::string path;
    int expected;  // with the token: 400 where the body is parsed, 200 where it is ignored
  };
  const std::vector<Endpoint> endpoints = {
      {"GET", "/metrics", 200},
      {"GET", "/healthz", 200},
      {"GET", "/readyz", 200},
      {"GET", "/api/v1/status", 200},
      {"POST", "/api/v1/ready", 400},
      {"PUT", "/api/v1/listeners/web/pool", 400},
      {"POST", backendPath("blue", setup.backend, "drain"), 200},
      {"POST", backendPath("blue", setup.backend, "enable"), 200},
  };
  for (const Endpoint& endpoint : endpoints) {
    for (uint64_t seed = 1; seed <= 6; ++seed) {
      const std::string body = randomBytes(seed * seed * 100, seed);
      INFO(endpoint.method << " " << endpoint.path << " with " << body.size() << " random bytes");
      const std::optional<HttpResponse> response = adminCall(setup.admin, endpoint.method, endpoint.path, body, kToken);
      REQUIRE(response);
      CHECK(response->status == endpoint.expected);
      if (endpoint.expected == 400) CHECK(errorOf(*response) == "the body is not valid JSON");
    }
  }
  setup.checkStillServing();
}

TEST_CASE("a 1 MiB header line is refused with 4xx or a closed connection", "[admin][hostile]") {
  HostileSetup setup;
  const std::string header_line = "X-Huge: " + std::string(1 << 20, 'h') + "\r\n";
  CHECK(refused(rawExchange(setup.admin, "GET /healthz HTTP/1.1\r\nHost: a\r\n" + header_line + "\r\n")));
  CHECK(refused(rawExchange(setup.admin, "POST /api/v1/ready HTTP/1.1\r\n" + header_line +
                                             "Content-Length: 14\r\n\r\n{\"ready\":true}")));
  // A 1 MiB request line, and a 1 MiB header name without a colon.
  CHECK(refused(rawExchange(setup.admin, "GET /" + std::string(1 << 20, 'p') + " HTTP/1.1\r\n\r\n")));
  CHECK(refused(rawExchange(setup.admin, "GET /healthz HTTP/1.1\r\n" + std::string(1 << 20, 'n') + "\r\n\r\n")));
  setup.checkStillServing();
}

TEST_CASE("invalid and unknown methods get 4xx or a closed connection", "[admin][hostile]") {
  HostileSetup setup;
  const std::vector<std::string> methods = {
      "BREW", "G@T", "get", "TRACE", "CONNECT", "PROPFIND", std::string(10000, 'M'), "\xff\xfe", "GET\x01",
  };
  for (const std::string& method : methods) {
    for (const char* path : {"/healthz", "/api/v1/ready", "/api/v1/listeners/web/pool"}) {
      INFO("method " << method.substr(0, 20) << " on " << path);
      CHECK(refused(rawExchange(setup.admin, method + " " + path + " HTTP/1.1\r\nHost: a\r\n\r\n")));
    }
  }
  CHECK(refused(rawExchange(setup.admin, " /healthz HTTP/1.1\r\n\r\n")));
  CHECK(refused(rawExchange(setup.admin, "/healthz\r\n\r\n")));
  setup.checkStillServing();
}

TEST_CASE("malformed JSON bodies are 400 with a JSON error", "[admin][hostile]") {
  HostileSetup setup;
  const std::vector<std::string> bodies = {
      "",
      "{",
      "{\"ready\":",
      "{\"ready\":tru}",
      "{\"ready\":true,}",
      "{'ready':true}",
      "{\"ready\":true}}",
      "\"\xff\xfe\"",
      "{\"pool\":\"\xc0\x80\"}",
      "{\"ready\":true}\0garbage"s,
      "[]",
      "null",
      "{\"ready\":\"true\"}",
      "{\"ready\":1}",
      "{\"pool\":\"green\",\"pool\":7}",
      "{\"pool\":\"\"}",
      "{\"ready\":true,\"extra\":1}",
  };
  for (const std::string& body : bodies) {
    for (const char* target : {"/api/v1/ready", "/api/v1/listeners/web/pool"}) {
      const char* method = std::string_view(target) == "/api/v1/ready" ? "POST" : "PUT";
      INFO(method << " " << target << " with body " << body);
      const std::optional<HttpResponse> response = adminCall(setup.admin, method, target, body, kToken);
      REQUIRE(response);
      CHECK(response->status == 400);
      CHECK(!errorOf(*response).empty());
    }
  }
  setup.checkStillServing();
}

TEST_CASE("deeply nested JSON is 400 under the body limit and 413 over it", "[admin][hostile]") {
  HostileSetup setup;
  // 100,000 '[' is over the 64 KiB limit: refused before any parsing.
  const std::optional<HttpResponse> huge =
      adminCall(setup.admin, "POST", "/api/v1/ready", std::string(100000, '['), kToken);
  REQUIRE(huge);
  CHECK(huge->status == 413);
  // Under the limit, unbalanced and balanced nesting (a valid JSON document 30,000 deep)
  // must not exhaust the parser's stack.
  const std::vector<std::string> bodies = {
      std::string(60000, '['),
      std::string(30000, '[') + std::string(30000, ']'),
      std::string(30000, '{'),
      "{\"ready\":" + std::string(20000, '[') + std::string(20000, ']') + "}",
      "{\"pool\":" + std::string(30000, '{'),
  };
  for (const std::string& body : bodies) {
    for (const char* target : {"/api/v1/ready", "/api/v1/listeners/web/pool"}) {
      const char* method = std::string_view(target) == "/api/v1/ready" ? "POST" : "PUT";
      INFO(method << " " << target << " with " << body.size() << " bytes starting " << body.substr(0, 12));
      const std::optional<HttpResponse> response = adminCall(setup.admin, method, target, body, kToken);
      REQUIRE(response);
      CHECK(response->status == 400);
    }
  }
  setup.checkStillServing();
}

TEST_CASE("a non-UTF-8 path is refused with 4xx", "[admin][hostile]") {
  HostileSetup setup;
  // Raw bytes: civetweb or the router refuses them.
  CHECK(refused(rawExchange(setup.admin, "GET /\xff\xfe HTTP/1.1\r\nHost: a\r\n\r\n")));
  CHECK(refused(rawExchange(setup.admin, "POST /api/v1/pools/\xff/backends/\xc0\x80/drain HTTP/1.1\r\n"
                                         "Authorization: Bearer hostile-token\r\nContent-Length: 0\r\n\r\n")));
  // Percent-encoded: the names reach the API, which answers 404 naming them, with the
  // invalid bytes replaced so that the answer stays valid JSON.
  const std::optional<HttpResponse> pool =
      adminCall(setup.admin, "POST", "/api/v1/pools/%FF%FE/backends/%C0%80/drain", "", kToken);
  REQUIRE(pool);
  CHECK(pool->status == 404);
  CHECK(errorOf(*pool) == "unknown pool \"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  const std::optional<HttpResponse> listener =
      adminCall(setup.admin, "PUT", "/api/v1/listeners/%80/pool", "{\"pool\":\"blue\"}", kToken);
  REQUIRE(listener);
  CHECK(listener->status == 404);
  CHECK(errorOf(*listener) == "unknown listener \"\xEF\xBF\xBD\"");
  const std::optional<HttpResponse> unknown = httpGet(setup.admin, "/%FF");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  setup.checkStillServing();
}

}  // namespace
}  // namespace fulcrum::test
