#pragma once
// Starting child processes from a multi-threaded test binary.
#include <sys/types.h>

#include <string>
#include <vector>

namespace fulcrum::test {

// fork + exec of argv[0] with the child's stdout and stderr on the given descriptors
// (stdin is /dev/null). Every other descriptor is closed in the child, so it inherits no
// test socket, and the child is killed (SIGKILL) if the test process dies. Returns the
// PID; throws std::runtime_error when fork fails. An exec failure shows as exit 127.
pid_t spawnProcess(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd);

}  // namespace fulcrum::test
