#pragma once
// The Prometheus text exposition format 0.0.4 of GET /metrics
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
#include <string>
#include <string_view>

#include <prometheus/collectable.h>

namespace fulcrum {

inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

// Everything `collectable` reports, serialized by prometheus::TextSerializer.
std::string renderExposition(const prometheus::Collectable& collectable);

}  // namespace fulcrum
