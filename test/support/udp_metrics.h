#pragma once
// Reading single series from fulcrum's /metrics in UDP tests.
#include <cstdint>
#include <optional>
#include <string>

#include "test/support/deadline.h"

namespace fulcrum::test {

// The value of `series` (exactly as exposed, e.g. `fulcrum_udp_sessions_active{listener="udp"}`)
// from GET /metrics on 127.0.0.1:admin_port; nullopt when the scrape fails or the series
// is absent.
std::optional<double> metricValue(uint16_t admin_port, const std::string& series);

// True once `series` equals `expected`; false when `timeout` passes first.
bool waitForMetric(uint16_t admin_port, const std::string& series, double expected, Millis timeout);

// The series names of the udp listener "udp" and of a backend of pool "backends", as
// udpProxyConfig() names them.
std::string udpListenerSeries(const std::string& metric, const std::string& extra_labels = "");
std::string udpBackendSeries(const std::string& metric, const std::string& backend_address,
                             const std::string& extra_labels = "");

}  // namespace fulcrum::test
