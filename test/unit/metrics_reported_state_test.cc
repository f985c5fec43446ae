// The state an operator sees for a backend (lb/metrics/reported_state.h).
#include <catch2/catch.hpp>

#include <memory>

#include "lb/metrics/reported_state.h"

namespace fulcrum {
namespace {

std::unique_ptr<Pool> poolWith(config::HealthCheckType check) {
  config::PoolConfig config;
  config.name = "p";
  config.health_check.type = check;
  config.backends.push_back(config::BackendConfig{
      config::Endpoint{"127.0.0.1:9001", HostPort{"127.0.0.1", 9001}, SocketAddress::fromNumeric("127.0.0.1", 9001).value()},
      1});
  return std::make_unique<Pool>(config, 1);
}

TEST_CASE("a checked backend reports its health until it drains", "[metrics]") {
  const auto pool = poolWith(config::HealthCheckType::kTcp);
  Backend& backend = *pool->backends().front();
  CHECK(reportedState(*pool, backend) == ReportedState::kUnknown);
  backend.setHealth(HealthState::kUp);
  CHECK(reportedState(*pool, backend) == ReportedState::kUp);
  backend.setHealth(HealthState::kDown);
  CHECK(reportedState(*pool, backend) == ReportedState::kDown);
}

TEST_CASE("draining overrides every health state", "[metrics]") {
  const auto pool = poolWith(config::HealthCheckType::kHttp);
  Backend& backend = *pool->backends().front();
  backend.setDraining(true);
  for (const HealthState health : {HealthState::kUnknown, HealthState::kUp, HealthState::kDown}) {
    backend.setHealth(health);
    CHECK(reportedState(*pool, backend) == ReportedState::kDraining);
  }
  backend.setDraining(false);
  CHECK(reportedState(*pool, backend) == ReportedState::kDown);
}

TEST_CASE("without health checks a backend is up unless marked down", "[metrics]") {
  const auto pool = poolWith(config::HealthCheckType::kNone);
  Backend& backend = *pool->backends().front();
  CHECK(reportedState(*pool, backend) == ReportedState::kUp);
  backend.setHealth(HealthState::kDown);
  CHECK(reportedState(*pool, backend) == ReportedState::kDown);
}

TEST_CASE("states print as the contract names them", "[metrics]") {
  CHECK(std::string(toString(ReportedState::kUp)) == "up");
  CHECK(std::string(toString(ReportedState::kDown)) == "down");
  CHECK(std::string(toString(ReportedState::kUnknown)) == "unknown");
  CHECK(std::string(toString(ReportedState::kDraining)) == "draining");
}

}  // namespace
}  // namespace fulcrum
