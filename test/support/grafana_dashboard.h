#pragma once
// The Grafana dashboard of conf/grafana/fulcrum.json as tests see it: its panels, the
// PromQL of their targets, and the metric names an expression reads.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace fulcrum::test {

// The source tree's conf/grafana/fulcrum.json.
std::string dashboardPath();

// Parses the dashboard file; throws nlohmann::json::exception when it is not JSON.
nlohmann::json loadDashboard();

struct DashboardPanel {
  std::string title;                // "" when the panel has none
  std::vector<std::string> exprs;   // every target's expr, "" for a target without one
};

// Every panel, those inside collapsed rows included; row panels themselves are left out.
std::vector<DashboardPanel> dashboardPanels(const nlohmann::json& dashboard);

// `expr` as Grafana would send it with every listener and pool selected and
// $__rate_interval set to `rate_interval` (e.g. "30s").
std::string substituteDashboardVariables(std::string expr, std::string_view rate_interval);

// The metric names `expr` selects: identifiers outside strings, label matchers, range
// brackets and grouping lists that are neither functions, aggregations nor keywords.
std::vector<std::string> metricNamesIn(std::string_view expr);

}  // namespace fulcrum::test
