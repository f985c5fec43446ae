// The reload plan: which objects a SIGHUP keeps, replaces, adds and drains.
#include <catch2/catch.hpp>

#include <string>

#include "lb/config/loader.h"
#include "lb/runtime/reload_plan.h"
#include "lb/runtime/server.h"

namespace fulcrum {
namespace {

config::Config parse(const std::string& text) {
  config::LoadResult loaded = config::parseConfig(text, "reload.toml");
  REQUIRE(loaded.errors.empty());
  return std::move(*loaded.config);
}

// Two pools (blue: two backends; green: one) and a listener on blue.
std::string baseConfig(const std::string& listener_extra = "", const std::string& blue_extra = "",
                       const std::string& blue_backends = "\"127.0.0.1:9001\", \"127.0.0.1:9002\"") {
  std::string text = R"(
[[listeners]]
name = "web"
bind = "127.0.0.1:18080"
pool = "blue"
)" + listener_extra + R"(
[[pools]]
name = "blue"
)" + blue_extra;
  for (size_t start = 0; start < blue_backends.size();) {
    size_t end = blue_backends.find(',', start);
    if (end == std::string::npos) end = blue_backends.size();
    text += "[[pools.backends]]\naddress = " + blue_backends.substr(start, end - start) + "\n";
    start = end + 1;
  }
  text += R"(
[[pools]]
name = "green"
[[pools.backends]]
address = "127.0.0.1:9101"
)";
  return text;
}

struct Running {
  config::Config config;
  std::shared_ptr<const Topology> topology;
};

Running start(const std::string& text) {
  Running running{parse(text), nullptr};
  running.topology = buildTopology(running.config, 1);
  return running;
}

}  // namespace

TEST_CASE("a listener with the same name, bind and protocol keeps its socket and its stats", "[reload]") {
  Running running = start(baseConfig());
  running.topology->listeners[0]->counters().connections_total.store(7);
  const config::Config next = parse(baseConfig("idle_timeout = \"9s\"\n"));
  const ReloadPlan plan = planReload(running.config, *running.topology, next, 1);
  REQUIRE(plan.kept_listeners.size() == 1);
  CHECK(plan.added_listeners.empty());
  CHECK(plan.removed_listeners.empty());
  const auto& kept = plan.kept_listeners[0];
  CHECK(kept.previous == running.topology->listeners[0]);
  CHECK(kept.next != kept.previous);
  CHECK(kept.next->config().idle_timeout == std::chrono::seconds(9));
  CHECK(kept.next->counters().connections_total.load() == 7);
  CHECK(kept.next->pool() == plan.topology->findPool("blue").get());
}

TEST_CASE("a listener whose bind changed is replaced by a new one", "[reload]") {
  Running running = start(baseConfig());
  std::string moved = baseConfig();
  moved.replace(moved.find("18080"), 5, "18081");
  const ReloadPlan plan = planReload(running.config, *running.topology, parse(moved), 1);
  CHECK(plan.kept_listeners.empty());
  REQUIRE(plan.added_listeners.size() == 1);
  CHECK(plan.added_listeners[0]->config().bind.text == "127.0.0.1:18081");
  REQUIRE(plan.removed_listeners.size() == 1);
  CHECK(plan.removed_listeners[0] == running.topology->listeners[0]);
}

TEST_CASE("backends that stay are the same objects; added ones start unknown; removed ones drain", "[reload]") {
  Running running = start(baseConfig("", "[pools.health_check]\ntype = \"tcp\"\n"));
  const auto old_blue = running.topology->findPool("blue");
  old_blue->backends()[0]->setHealth(HealthState::kDown);
  old_blue->backends()[1]->addActive(1);  // an open connection to the backend that leaves
  const config::Config next =
      parse(baseConfig("", "[pools.health_check]\ntype = \"tcp\"\n", "\"127.0.0.1:9001\", \"127.0.0.1:9003\""));
  const ReloadPlan plan = planReload(running.config, *running.topology, next, 1);
  const auto new_blue = plan.topology->findPool("blue");
  REQUIRE(new_blue->backends().size() == 2);
  CHECK(new_blue->backends()[0] == old_blue->backends()[0]);
  CHECK(new_blue->backends()[0]->health() == HealthState::kDown);
  CHECK(new_blue->backends()[1]->name() == "127.0.0.1:9003");
  CHECK(new_blue->backends()[1]->health() == HealthState::kUnknown);
  REQUIRE(plan.removed_backends.size() == 1);
  CHECK(plan.removed_backends[0].backend == old_blue->backends()[1]);

  const std::vector<uint64_t> epochs = applyBackendChanges(plan);
  REQUIRE(epochs.size() == 1);
  CHECK(old_blue->backends()[1]->draining());
  CHECK(old_blue->backends()[1]->drainEpoch() == epochs[0]);
  REQUIRE(new_blue->retiringBackends().size() == 1);
  old_blue->backends()[1]->addActive(-1);
  CHECK(new_blue->retiringBackends().empty());  // listed only while connections remain
}

TEST_CASE("a backend removed and added back by the next reload returns to service", "[reload]") {
  Running running = start(baseConfig());
  const auto leaving = running.topology->findPool("blue")->backends()[1];
  leaving->addActive(1);
  config::Config without = parse(baseConfig("", "", "\"127.0.0.1:9001\""));
  ReloadPlan first = planReload(running.config, *running.topology, without, 1);
  applyBackendChanges(first);
  REQUIRE(leaving->draining());

  const config::Config with = parse(baseConfig());
  const ReloadPlan second = planReload(without, *first.topology, with, 1);
  applyBackendChanges(second);
  CHECK(second.topology->findPool("blue")->backends()[1] == leaving);
  CHECK_FALSE(leaving->draining());
  leaving->addActive(-1);
}

TEST_CASE("a drain set through the API survives a reload that keeps the backend", "[reload]") {
  Running running = start(baseConfig());
  running.topology->findPool("blue")->backends()[0]->setDraining(true);
  const ReloadPlan plan = planReload(running.config, *running.topology, parse(baseConfig()), 1);
  applyBackendChanges(plan);
  CHECK(plan.topology->findPool("blue")->backends()[0]->draining());
}

TEST_CASE("a pool switched through the API stays switched while the file's value is unchanged", "[reload]") {
  Running running = start(baseConfig());
  running.topology->listeners[0]->setPool(running.topology->findPool("green").get());
  const ReloadPlan plan = planReload(running.config, *running.topology, parse(baseConfig()), 1);
  CHECK(plan.topology->listeners[0]->pool() == plan.topology->findPool("green").get());
}

TEST_CASE("a pool switched through the API follows the file when the file changes it", "[reload]") {
  const std::string red_pool = "\n[[pools]]\nname = \"red\"\n[[pools.backends]]\naddress = \"127.0.0.1:9201\"\n";
  Running running = start(baseConfig() + red_pool);  // the file says blue
  running.topology->listeners[0]->setPool(running.topology->findPool("green").get());
  std::string says_red = baseConfig() + red_pool;
  says_red.replace(says_red.find("pool = \"blue\""), 13, "pool = \"red\"");
  const ReloadPlan plan = planReload(running.config, *running.topology, parse(says_red), 1);
  CHECK(plan.topology->listeners[0]->pool() == plan.topology->findPool("red").get());
}

TEST_CASE("a pool whose balance changed gets a new balancer for new connections", "[reload]") {
  Running running = start(baseConfig());
  const config::Config next = parse(baseConfig("", "balance = \"consistent_hash\"\n"));
  const ReloadPlan plan = planReload(running.config, *running.topology, next, 1);
  const auto blue = plan.topology->findPool("blue");
  CHECK(blue->config().balance == config::BalanceAlgorithm::kConsistentHash);
  CHECK(blue != running.topology->findPool("blue"));
  CHECK(blue->stats() == running.topology->findPool("blue")->stats());
  // Consistent hashing: the same client always reaches the same backend.
  const SocketAddress client = *SocketAddress::fromNumeric("127.0.0.9", 5555);
  Backend* first = blue->pick(0, client);
  for (int i = 0; i < 20; ++i) CHECK(blue->pick(0, client) == first);
}

TEST_CASE("a removed pool drains all of its backends", "[reload]") {
  Running running = start(baseConfig());
  std::string without_green = baseConfig();
  without_green.erase(without_green.find("[[pools]]\nname = \"green\""));
  const ReloadPlan plan = planReload(running.config, *running.topology, parse(without_green), 1);
  REQUIRE(plan.removed_backends.size() == 1);
  CHECK(plan.removed_backends[0].backend->name() == "127.0.0.1:9101");
  CHECK(plan.removed_backends[0].pool == "green");
}

}  // namespace fulcrum
