// anyListenerCanServe(): the backend part of GET /readyz (INTERFACE.md, "Admin API":
// 503 "while no listener's pool has an eligible backend").
#include <catch2/catch.hpp>

#include "lb/config/loader.h"
#include "lb/runtime/readiness.h"
#include "lb/runtime/server.h"

namespace fulcrum {
namespace {

// Listeners a -> pa and b -> pb; pool "spare" serves no listener.
constexpr const char* kConfig = R"(
[[listeners]]
name = "a"
bind = "127.0.0.1:8001"
pool = "pa"

[[listeners]]
name = "b"
bind = "127.0.0.1:8002"
pool = "pb"

[[pools]]
name = "pa"
  [[pools.backends]]
  address = "127.0.0.1:9001"

[[pools]]
name = "pb"
  [[pools.backends]]
  address = "127.0.0.1:9002"

[[pools]]
name = "spare"
  [[pools.backends]]
  address = "127.0.0.1:9003"
)";

std::shared_ptr<const Topology> makeTopology() {
  config::LoadResult loaded = config::parseConfig(kConfig, "readiness_test.toml");
  REQUIRE(loaded.ok());
  return buildTopology(*loaded.config, 1);
}

Backend& backendOf(const Topology& topology, const char* pool) { return *topology.findPool(pool)->backends()[0]; }

TEST_CASE("readiness: backends not yet checked count as eligible", "[readiness]") {
  CHECK(anyListenerCanServe(*makeTopology()));
}

TEST_CASE("readiness: not ready when every listener's pool has only down backends", "[readiness]") {
  const auto topology = makeTopology();
  backendOf(*topology, "pa").setHealth(HealthState::kDown);
  backendOf(*topology, "pb").setHealth(HealthState::kDown);
  CHECK_FALSE(anyListenerCanServe(*topology));
}

TEST_CASE("readiness: one listener's pool with an up backend is enough", "[readiness]") {
  const auto topology = makeTopology();
  backendOf(*topology, "pa").setHealth(HealthState::kDown);
  backendOf(*topology, "pb").setHealth(HealthState::kUp);
  CHECK(anyListenerCanServe(*topology));
}

TEST_CASE("readiness: draining and weight 0 backends are not eligible", "[readiness]") {
  const auto topology = makeTopology();
  backendOf(*topology, "pa").setDraining(true);
  backendOf(*topology, "pb").setWeight(0);
  CHECK_FALSE(anyListenerCanServe(*topology));
}

TEST_CASE("readiness: a pool no listener uses does not count, until a listener switches to it", "[readiness]") {
  const auto topology = makeTopology();
  backendOf(*topology, "pa").setHealth(HealthState::kDown);
  backendOf(*topology, "pb").setHealth(HealthState::kDown);
  backendOf(*topology, "spare").setHealth(HealthState::kUp);
  CHECK_FALSE(anyListenerCanServe(*topology));
  topology->findListener("b")->setPool(topology->findPool("spare").get());
  CHECK(anyListenerCanServe(*topology));
}

TEST_CASE("readiness: no listener, not ready", "[readiness]") { CHECK_FALSE(anyListenerCanServe(Topology{})); }

}  // namespace
}  // namespace fulcrum
