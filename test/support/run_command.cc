#include "test/support/run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>

#include "test/support/spawn.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {
namespace {

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

Pipe makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Reads what is available; false at EOF or error.
bool drain(int fd, std::string* into) {
  std::array<char, 4096> buffer;
  const ssize_t got = ::read(fd, buffer.data(), buffer.size());
  if (got > 0) {
    into->append(buffer.data(), static_cast<size_t>(got));
    return true;
  }
  return got < 0 && errno == EINTR;
}

}  // namespace

CommandResult runCommand(const std::vector<std::string>& argv, Millis timeout) {
  Pipe out = makePipe();
  Pipe err = makePipe();
  const pid_t pid = spawnProcess(argv, out.write_end.get(), err.write_end.get());
  out.write_end.reset();
  err.write_end.reset();

  CommandResult result;
  const Deadline deadline(timeout);
  bool out_open = true;
  bool err_open = true;
  while ((out_open || err_open) && !deadline.expired()) {
    std::array<pollfd, 2> entries{pollfd{out_open ? out.read_end.get() : -1, POLLIN, 0},
                                  pollfd{err_open ? err.read_end.get() : -1, POLLIN, 0}};
    const int ready = ::poll(entries.data(), entries.size(), deadline.pollTimeout());
    if (ready <= 0) continue;
    if (entries[0].revents != 0) out_open = drain(out.read_end.get(), &result.out);
    if (entries[1].revents != 0) err_open = drain(err.read_end.get(), &result.err);
  }

  // The pipes closed (or time ran out); give the process the rest of the budget to exit.
  int status = 0;
  while (true) {
    const pid_t reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped == pid) {
      result.status = ExitStatus{status};
      return result;
    }
    if (deadline.expired()) break;
    ::usleep(2000);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return result;
}

CommandResult runFulcrum(const std::vector<std::string>& args, Millis timeout) {
  std::vector<std::string> argv{FULCRUM_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, timeout);
}

CommandResult runFulcrumctl(const std::vector<std::string>& args, Millis timeout) {
  std::vector<std::string> argv{FULCRUMCTL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, timeout);
}

}  // namespace fulcrum::test
