#pragma once
// Whether the Catch2 test case now running has a failed assertion, so that helpers can
// print diagnostics (such as a daemon's log) only when they help.
namespace fulcrum::test {

bool currentTestHasFailed();

}  // namespace fulcrum::test
