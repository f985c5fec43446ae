#include "test/support/settled_fd_count.h"

#include <thread>

namespace fulcrum::test {
namespace {
constexpr Millis kSample(50);
constexpr int kUnchangedSamples = 4;
}  // namespace

std::optional<size_t> settledFdCount(const FulcrumProcess& fulcrum, Millis budget) {
  const Deadline deadline(budget);
  std::optional<size_t> last = fulcrum.openFdCount();
  int unchanged = 0;
  while (unchanged < kUnchangedSamples && !deadline.expired()) {
    std::this_thread::sleep_for(kSample);
    const std::optional<size_t> now = fulcrum.openFdCount();
    unchanged = now == last ? unchanged + 1 : 0;
    last = now;
  }
  return unchanged >= kUnchangedSamples ? last : std::nullopt;
}

std::optional<size_t> fdCountBackTo(const FulcrumProcess& fulcrum, size_t expected, Millis budget) {
  std::optional<size_t> last;
  eventually(budget, [&] {
    last = fulcrum.openFdCount();
    return last == expected;
  });
  return last == expected ? settledFdCount(fulcrum) : last;
}

}  // namespace fulcrum::test
