#pragma once
// fulcrum's descriptor count once closes in flight have landed.
#include <cstddef>
#include <optional>

#include "test/support/deadline.h"
#include "test/support/fulcrum_process.h"

namespace fulcrum::test {

// The count from /proc/PID/fd once it has not changed for 200 ms; nullopt when it keeps
// changing for `budget`.
std::optional<size_t> settledFdCount(const FulcrumProcess& fulcrum, Millis budget = Millis(3000));

// Waits (up to `budget`) for the count to come back to `expected`; returns the settled
// count then, or the last count seen.
std::optional<size_t> fdCountBackTo(const FulcrumProcess& fulcrum, size_t expected, Millis budget);

}  // namespace fulcrum::test
