// What an active check targets and sends (lb/health/check_spec.h).
#include <catch2/catch.hpp>

#include "lb/health/check_spec.h"

namespace fulcrum {
namespace {

TEST_CASE("the http check request is a GET with Host and Connection: close", "[health]") {
  const std::string request = makeHttpCheckRequest("/healthz?deep=1", "db.internal", 8080);
  CHECK(request.rfind("GET /healthz?deep=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(request.find("\r\nHost: db.internal:8080\r\n") != std::string::npos);
  CHECK(request.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(request.size() >= 4);
  CHECK(request.substr(request.size() - 4) == "\r\n\r\n");
  CHECK(request.find("\r\n\r\n") == request.size() - 4);
}

TEST_CASE("an IPv6 literal host is bracketed in the Host header", "[health]") {
  const std::string request = makeHttpCheckRequest("/", "::1", 80);
  CHECK(request.find("\r\nHost: [::1]:80\r\n") != std::string::npos);
}

TEST_CASE("health_check.port redirects the check, not the host", "[health]") {
  config::HealthCheckConfig check;
  check.type = config::HealthCheckType::kHttp;
  check.port = 9000;
  const SocketAddress traffic = SocketAddress::fromNumeric("127.0.0.1", 8080).value();
  const CheckSpec spec = makeCheckSpec(check, traffic, "127.0.0.1");
  CHECK(spec.address.toString() == "127.0.0.1:9000");
  CHECK(spec.request.find("\r\nHost: 127.0.0.1:9000\r\n") != std::string::npos);
  CHECK(traffic.toString() == "127.0.0.1:8080");
}

TEST_CASE("without health_check.port the check goes to the traffic address", "[health]") {
  config::HealthCheckConfig check;
  check.type = config::HealthCheckType::kTcp;
  const SocketAddress traffic = SocketAddress::fromNumeric("::1", 8443).value();
  const CheckSpec spec = makeCheckSpec(check, traffic, "::1");
  CHECK(spec.address.toString() == "[::1]:8443");
  CHECK(spec.request.empty());
}

TEST_CASE("withPort keeps the family and address of IPv6", "[health]") {
  const SocketAddress v6 = SocketAddress::fromNumeric("fe80::1", 80).value();
  CHECK(withPort(v6, 81).toString() == "[fe80::1]:81");
}

}  // namespace
}  // namespace fulcrum
