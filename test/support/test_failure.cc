#include "test/support/test_failure.h"

#include <atomic>

// Listener base classes are only declared with this switch (catch.hpp, "External interfaces").
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

namespace fulcrum::test {
namespace {

std::atomic<bool> g_current_test_failed{false};

// A Catch2 event listener (catch.hpp, "CATCH_REGISTER_LISTENER"): resets the flag when a
// test case starts and sets it on any failed assertion or unexpected exception.
struct FailureTracker : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    g_current_test_failed.store(false);
    TestEventListenerBase::testCaseStarting(info);
  }

  bool assertionEnded(const Catch::AssertionStats& stats) override {
    if (!stats.assertionResult.isOk()) g_current_test_failed.store(true);
    return TestEventListenerBase::assertionEnded(stats);
  }
};

CATCH_REGISTER_LISTENER(FailureTracker)

}  // namespace

bool currentTestHasFailed() { return g_current_test_failed.load(); }

}  // namespace fulcrum::test
