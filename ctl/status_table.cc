#include "ctl/status_table.h"

#include <algorithm>
#include <vector>

namespace fulcrum::ctl {
namespace {

using nlohmann::json;
using Row = std::vector<std::string>;

// Columns left-aligned, two spaces apart, no trailing blanks.
std::string alignColumns(const std::vector<Row>& rows) {
  std::vector<size_t> widths;
  for (const Row& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string text;
  for (const Row& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    text += line + "\n";
  }
  return text;
}

std::string number(const json& value) { return std::to_string(value.get<int64_t>()); }

}  // namespace

std::string renderStatus(const json& status) {
  std::vector<Row> listeners = {{"LISTENER", "BIND", "PROTOCOL", "POOL", "ACTIVE"}};
  for (const json& listener : status.at("listeners")) {
    listeners.push_back({listener.at("name").get<std::string>(), listener.at("bind").get<std::string>(),
                         listener.at("protocol").get<std::string>(), listener.at("pool").get<std::string>(),
                         number(listener.at("active_connections"))});
  }
  std::vector<Row> backends = {{"POOL", "BACKEND", "WEIGHT", "STATE", "ACTIVE"}};
  for (const json& pool : status.at("pools")) {
    const std::string name = pool.at("name").get<std::string>();
    for (const json& backend : pool.at("backends")) {
      backends.push_back({name, backend.at("address").get<std::string>(), number(backend.at("weight")),
                          backend.at("state").get<std::string>(), number(backend.at("active_connections"))});
    }
  }
  return "fulcrum " + status.at("version").get<std::string>() + "\n\n" + alignColumns(listeners) + "\n" +
         alignColumns(backends);
}

}  // namespace fulcrum::ctl
