#pragma once
// The running daemon's metrics as a prometheus::Collectable: each Collect() reads the
// current Topology and reload counters from the Control (see metric_families.h).
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "lb/runtime/control.h"

namespace fulcrum {

class ControlCollector final : public prometheus::Collectable {
 public:
  // `control` must outlive the collector.
  explicit ControlCollector(const Control& control) : control_(control) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const Control& control_;
};

}  // namespace fulcrum
