#pragma once
// An invariant check for fuzz targets that holds in every build type (assert() vanishes
// under NDEBUG): a failure prints the condition and aborts, so libFuzzer records the
// input as a crash.
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                               \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)
