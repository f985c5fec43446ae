// conf/grafana/fulcrum.json (issue "Operator experience"): an importable dashboard whose
// every query reads only metrics that fulcrum exposes, so that it cannot silently show
// nothing after a rename.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include <prometheus/metric_type.h>

#include "lb/config/loader.h"
#include "lb/metrics/metric_families.h"
#include "lb/runtime/server.h"
#include "test/support/admin_sample_config.h"
#include "test/support/grafana_dashboard.h"

namespace fulcrum::test {
namespace {

using nlohmann::json;

// The metric names fulcrum's /metrics shows, histogram series suffixes included. The
// sample config has every kind of object a metric family reports on (TCP and UDP
// listeners, a checked pool), so that no family is left out for lack of samples.
std::set<std::string> exposedMetricNames() {
  config::LoadResult loaded = config::parseConfig(kAdminSampleConfig, "dashboard_test.toml");
  REQUIRE(loaded.ok());
  const auto topology = buildTopology(*loaded.config, 1);
  std::set<std::string> names;
  for (const auto& family : collectMetricFamilies(*topology, ReloadCounters{}, "test")) {
    names.insert(family.name);
    if (family.type == prometheus::MetricType::Histogram) {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) names.insert(family.name + suffix);
    }
  }
  return names;
}

const json* findVariable(const json& dashboard, const std::string& name) {
  for (const json& variable : dashboard["templating"]["list"]) {
    if (variable.value("name", "") == name) return &variable;
  }
  return nullptr;
}

TEST_CASE("the dashboard is JSON with a Prometheus data source variable", "[dashboard]") {
  const json dashboard = loadDashboard();
  REQUIRE(dashboard.is_object());
  CHECK(dashboard.value("schemaVersion", 0) >= 36);
  CHECK_FALSE(dashboard.value("title", "").empty());
  const json* datasource = findVariable(dashboard, "datasource");
  REQUIRE(datasource != nullptr);
  CHECK((*datasource)["type"] == "datasource");
  CHECK((*datasource)["query"] == "prometheus");
  for (const char* name : {"listener", "pool"}) {
    const json* variable = findVariable(dashboard, name);
    INFO(name);
    REQUIRE(variable != nullptr);
    CHECK((*variable)["type"] == "query");
    CHECK((*variable)["datasource"]["uid"] == "${datasource}");
  }
}

TEST_CASE("every dashboard panel has a title and at least one query", "[dashboard]") {
  const std::vector<DashboardPanel> panels = dashboardPanels(loadDashboard());
  CHECK(panels.size() >= 10);
  for (const DashboardPanel& panel : panels) {
    INFO("panel \"" << panel.title << "\"");
    CHECK_FALSE(panel.title.empty());
    REQUIRE_FALSE(panel.exprs.empty());
    for (const std::string& expr : panel.exprs) CHECK_FALSE(expr.empty());
  }
}

TEST_CASE("every metric a dashboard query reads is one fulcrum exposes", "[dashboard]") {
  const std::set<std::string> exposed = exposedMetricNames();
  for (const DashboardPanel& panel : dashboardPanels(loadDashboard())) {
    for (const std::string& expr : panel.exprs) {
      INFO("panel \"" << panel.title << "\": " << expr);
      const std::vector<std::string> names = metricNamesIn(expr);
      CHECK_FALSE(names.empty());
      for (const std::string& name : names) {
        INFO("metric " << name);
        CHECK(exposed.count(name) == 1);
      }
    }
  }
}

TEST_CASE("the dashboard covers the panels the issue asks for", "[dashboard]") {
  std::set<std::string> read;
  for (const DashboardPanel& panel : dashboardPanels(loadDashboard())) {
    for (const std::string& expr : panel.exprs) {
      for (const std::string& name : metricNamesIn(expr)) read.insert(name);
    }
  }
  for (const char* name :
       {"fulcrum_listener_connections_total", "fulcrum_listener_active_connections", "fulcrum_backend_bytes_total",
        "fulcrum_backend_up", "fulcrum_health_checks_total", "fulcrum_backend_connect_failures_total",
        "fulcrum_backend_connect_seconds_bucket", "fulcrum_udp_sessions_active", "fulcrum_udp_datagrams_total",
        "fulcrum_config_reloads_total"}) {
    INFO(name);
    CHECK(read.count(name) == 1);
  }
}

TEST_CASE("metric names are found outside functions, label matchers, ranges and groupings", "[dashboard]") {
  CHECK(metricNamesIn(R"(histogram_quantile(0.99, sum by (pool, le) (rate(a_bucket{pool=~"$pool", x="b{c}"}[$__rate_interval]))))") ==
        std::vector<std::string>{"a_bucket"});
  CHECK(metricNamesIn("sum without (instance) (x_total) / on (pool) group_left (backend) y + 1e3") ==
        std::vector<std::string>{"x_total", "y"});
  CHECK(metricNamesIn("max(bogus_metric == 1) or fulcrum_backend_up") ==
        std::vector<std::string>{"bogus_metric", "fulcrum_backend_up"});
}

TEST_CASE("dashboard variables are replaced by match-all values and the given rate interval", "[dashboard]") {
  CHECK(substituteDashboardVariables(R"(rate(m{listener=~"$listener", pool=~"$pool"}[$__rate_interval]))", "30s") ==
        R"(rate(m{listener=~".*", pool=~".*"}[30s]))");
}

}  // namespace
}  // namespace fulcrum::test
