#pragma once
// The metrics of INTERFACE.md ("Metrics") as prometheus-cpp metric families, read at
// scrape time from the relaxed atomics that workers already count in (BackendCounters,
// ListenerCounters, LatencyHistogram). The data path pays nothing for a scrape: no lock,
// no map lookup, no registry — only the scraping thread walks the topology.
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "lb/runtime/control.h"
#include "lb/runtime/topology.h"

namespace fulcrum {

// Every family of the contract's table (plus a few extra ones), in a stable order.
// Families without a sample (e.g. the udp ones when no udp listener exists) are left out.
std::vector<prometheus::MetricFamily> collectMetricFamilies(const Topology& topology, const ReloadCounters& reloads,
                                                            std::string_view version);

}  // namespace fulcrum
