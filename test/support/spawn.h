#pragma once
// Starting child processes from a multi-threaded test binary.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::test {

// What the child gets beyond the test's own environment and limits.
struct SpawnOptions {
  // RLIMIT_NOFILE, soft and hard alike (so the child cannot raise it); unset: inherited.
  std::optional<uint64_t> open_files = std::nullopt;
  // "NAME=value" entries added to the inherited environment (a name given here replaces
  // the inherited one), so a test can set a variable for one child without setenv(3),
  // which is not safe while other threads run.
  std::vector<std::string> environment = {};
};

// fork + exec of argv[0] with the child's stdout and stderr on the given descriptors
// (stdin is /dev/null). Every other descriptor is closed in the child, so it inherits no
// test socket, and the child is killed (SIGKILL) if the test process dies. Returns the
// PID; throws std::runtime_error when fork fails. An exec failure (or a limit that cannot
// be set) shows as exit 127.
pid_t spawnProcess(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd,
                   const SpawnOptions& options = {});

}  // namespace fulcrum::test
