#pragma once
// GET /metrics from fulcrum's admin API and its samples by series, for tests that check
// what the daemon counted.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "test/support/deadline.h"

namespace fulcrum::test {

struct MetricSamples {
  std::string text;  // the exposition as scraped
  // Series exactly as printed ("name{label=\"value\",...}" or "name") -> value.
  std::map<std::string, double, std::less<>> values;

  // The value of a series, nullopt when absent.
  std::optional<double> value(std::string_view series) const;
  // How many series of the metric `name` there are (name alone or name{...}).
  size_t seriesCount(std::string_view name) const;
};

// The samples of a text exposition (format 0.0.4): comment lines skipped, every other
// line "SERIES VALUE". nullopt when a line does not have that shape.
std::optional<MetricSamples> parseExposition(std::string_view text);

// GET /metrics on 127.0.0.1:admin_port; nullopt unless the answer is 200 and parses.
std::optional<MetricSamples> scrapeMetrics(uint16_t admin_port, Millis timeout = Millis(5000));

}  // namespace fulcrum::test
