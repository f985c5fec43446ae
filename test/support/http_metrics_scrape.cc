#include "test/support/http_metrics_scrape.h"

#include <cstdlib>

#include "test/support/http_client.h"

namespace fulcrum::test {

std::optional<double> MetricSamples::value(std::string_view series) const {
  const auto found = values.find(series);
  if (found == values.end()) return std::nullopt;
  return found->second;
}

size_t MetricSamples::seriesCount(std::string_view name) const {
  size_t count = 0;
  for (const auto& [series, value] : values) {
    const std::string_view key = series;
    if (key == name || (key.starts_with(name) && key.size() > name.size() && key[name.size()] == '{')) ++count;
  }
  return count;
}

std::optional<MetricSamples> parseExposition(std::string_view text) {
  MetricSamples samples;
  samples.text = std::string(text);
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    // Label values in fulcrum's metrics hold no spaces, so the value follows the last one.
    const size_t space = line.rfind(' ');
    if (space == std::string_view::npos || space == 0) return std::nullopt;
    const std::string number(line.substr(space + 1));
    char* parsed_end = nullptr;
    const double value = std::strtod(number.c_str(), &parsed_end);
    if (parsed_end != number.c_str() + number.size()) return std::nullopt;
    samples.values.emplace(std::string(line.substr(0, space)), value);
  }
  return samples;
}

std::optional<MetricSamples> scrapeMetrics(uint16_t admin_port, Millis timeout) {
  const std::optional<HttpResponse> response = httpGet(admin_port, "/metrics", timeout);
  if (!response || response->status != 200) return std::nullopt;
  return parseExposition(response->body);
}

}  // namespace fulcrum::test
