#include "test/support/udp_metrics.h"

#include <fmt/format.h>

#include "test/support/http_metrics_scrape.h"

namespace fulcrum::test {

std::optional<double> metricValue(uint16_t admin_port, const std::string& series) {
  const std::optional<MetricSamples> samples = scrapeMetrics(admin_port);
  if (!samples) return std::nullopt;
  return samples->value(series);
}

bool waitForMetric(uint16_t admin_port, const std::string& series, double expected, Millis timeout) {
  return eventually(timeout, [&] { return metricValue(admin_port, series) == std::optional<double>(expected); },
                    Millis(50));
}

std::string udpListenerSeries(const std::string& metric, const std::string& extra_labels) {
  return fmt::format("{}{{listener=\"udp\"{}}}", metric, extra_labels.empty() ? "" : "," + extra_labels);
}

std::string udpBackendSeries(const std::string& metric, const std::string& backend_address,
                             const std::string& extra_labels) {
  return fmt::format("{}{{pool=\"backends\",backend=\"{}\"{}}}", metric, backend_address,
                     extra_labels.empty() ? "" : "," + extra_labels);
}

}  // namespace fulcrum::test
