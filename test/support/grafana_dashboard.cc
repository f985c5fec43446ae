#include "test/support/grafana_dashboard.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace fulcrum::test {
namespace {

using nlohmann::json;

// PromQL's aggregation operators, keywords and literals
// (https://prometheus.io/docs/prometheus/latest/querying/operators/).
const std::set<std::string, std::less<>> kNotMetrics = {
    "sum",    "min",        "max",         "avg",    "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk",      "quantile",    "by",     "without", "on",   "ignoring", "group_left",
    "group_right", "bool",  "and",         "or",     "unless", "offset", "atan2", "inf", "nan", "Inf", "NaN"};

// Keywords followed by a parenthesised list of label names.
const std::set<std::string, std::less<>> kLabelListKeywords = {"by", "without", "on", "ignoring", "group_left",
                                                               "group_right"};

bool startsIdentifier(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool continuesIdentifier(char c) { return startsIdentifier(c) || std::isdigit(static_cast<unsigned char>(c)); }

// `expr` without string literals, label matchers ({...}) and ranges ([...]).
std::string stripLiteralsAndBlocks(std::string_view expr) {
  std::string out;
  char quote = 0;
  int depth = 0;  // inside {} or []
  for (size_t i = 0; i < expr.size(); ++i) {
    const char c = expr[i];
    if (quote != 0) {
      if (c == '\\' && quote != '`') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      quote = c;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (depth == 0) {
      out += c;
    }
  }
  return out;
}

size_t skipSpaces(const std::string& text, size_t i) {
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

void collectPanels(const json& panels, std::vector<DashboardPanel>& out) {
  for (const json& panel : panels) {
    if (panel.value("type", "") == "row") {
      if (panel.contains("panels")) collectPanels(panel["panels"], out);
      continue;
    }
    DashboardPanel entry;
    entry.title = panel.value("title", "");
    if (panel.contains("targets")) {
      for (const json& target : panel["targets"]) entry.exprs.push_back(target.value("expr", ""));
    }
    out.push_back(std::move(entry));
  }
}

void replaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::string dashboardPath() { return std::string(FULCRUM_SOURCE_DIR) + "/conf/grafana/fulcrum.json"; }

json loadDashboard() {
  std::ifstream file(dashboardPath());
  std::stringstream text;
  text << file.rdbuf();
  return json::parse(text.str());
}

std::vector<DashboardPanel> dashboardPanels(const json& dashboard) {
  std::vector<DashboardPanel> panels;
  if (dashboard.contains("panels")) collectPanels(dashboard["panels"], panels);
  return panels;
}

std::string substituteDashboardVariables(std::string expr, std::string_view rate_interval) {
  replaceAll(expr, "$__rate_interval", rate_interval);
  replaceAll(expr, "$listener", ".*");
  replaceAll(expr, "$pool", ".*");
  return expr;
}

std::vector<std::string> metricNamesIn(std::string_view expr) {
  const std::string text = stripLiteralsAndBlocks(expr);
  std::vector<std::string> names;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '$') {
      // A number (0.99, 1e3) or a Grafana variable: one token, not a name.
      ++i;
      while (i < text.size() && (continuesIdentifier(text[i]) || text[i] == '.')) ++i;
      continue;
    }
    if (!startsIdentifier(c)) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < text.size() && continuesIdentifier(text[i])) ++i;
    const std::string word = text.substr(start, i - start);
    const size_t next = skipSpaces(text, i);
    if (kLabelListKeywords.count(word) != 0 && next < text.size() && text[next] == '(') {
      i = text.find(')', next);
      i = i == std::string::npos ? text.size() : i + 1;
      continue;
    }
    const bool is_call = next < text.size() && text[next] == '(';
    if (!is_call && kNotMetrics.count(word) == 0) names.push_back(word);
  }
  return names;
}

}  // namespace fulcrum::test
