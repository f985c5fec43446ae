#pragma once
// Running a short-lived command (such as `fulcrum --check`) and capturing its output.
#include <optional>
#include <string>
#include <vector>

#include "test/support/deadline.h"
#include "test/support/exit_status.h"

namespace fulcrum::test {

struct CommandResult {
  std::optional<ExitStatus> status;  // nullopt: it did not finish in time and was killed
  std::string out;                   // stdout
  std::string err;                   // stderr
  // The exit code, or -1 when it timed out or died of a signal.
  int exitCode() const { return status ? status->code() : -1; }
};

// Runs argv (argv[0] is a path) with stdin from /dev/null, collecting stdout and stderr.
// After `timeout` the command is killed (SIGKILL) and reaped.
CommandResult runCommand(const std::vector<std::string>& argv, Millis timeout);

// runCommand with FULCRUM_BINARY as argv[0].
CommandResult runFulcrum(const std::vector<std::string>& args, Millis timeout = Millis(10000));

// runCommand with FULCRUMCTL_BINARY (the control CLI) as argv[0].
CommandResult runFulcrumctl(const std::vector<std::string>& args, Millis timeout = Millis(10000));

}  // namespace fulcrum::test
