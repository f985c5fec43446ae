#pragma once
// Durations as the config writes them: a non-negative integer with a unit,
// "250ms", "2s", "5m", "1h" (contract: INTERFACE.md, "Config file").
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace fulcrum {

using Duration = std::chrono::milliseconds;

// Returns the duration, or nullopt when `text` is not <digits><unit> with unit in
// ms, s, m, h, or when it overflows.
std::optional<Duration> parseDuration(std::string_view text);

// The shortest exact rendering ("1500ms", "2s", "5m"), for logs and status.
std::string formatDuration(Duration duration);

}  // namespace fulcrum
