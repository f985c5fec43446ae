#include "lb/metrics/control_collector.h"

#include "lb/metrics/metric_families.h"

namespace fulcrum {

std::vector<prometheus::MetricFamily> ControlCollector::Collect() const {
  // Holding the shared_ptr keeps this topology's pools and listeners alive for the
  // scrape even if a reload publishes a new one meanwhile.
  const std::shared_ptr<const Topology> topology = control_.topology();
  return collectMetricFamilies(*topology, control_.reloadCounters(), FULCRUM_VERSION);
}

}  // namespace fulcrum
