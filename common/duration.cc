#include "common/duration.h"

#include <charconv>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace fulcrum {

std::optional<Duration> parseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc() || end != text.data() + digits) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  uint64_t millis_per_unit = 0;
  if (unit == "ms") millis_per_unit = 1;
  else if (unit == "s") millis_per_unit = 1000;
  else if (unit == "m") millis_per_unit = 60'000;
  else if (unit == "h") millis_per_unit = 3'600'000;
  else return std::nullopt;
  // Cap well below the int64 range so that adding a duration to a clock never overflows.
  constexpr uint64_t kMaxMillis = uint64_t{1} << 50;
  if (value > kMaxMillis / millis_per_unit) return std::nullopt;
  return Duration(static_cast<int64_t>(value * millis_per_unit));
}

std::string formatDuration(Duration duration) {
  const int64_t ms = duration.count();
  if (ms != 0 && ms % 3'600'000 == 0) return fmt::format("{}h", ms / 3'600'000);
  if (ms != 0 && ms % 60'000 == 0) return fmt::format("{}m", ms / 60'000);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

}  // namespace fulcrum
