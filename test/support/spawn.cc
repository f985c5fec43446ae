#include "test/support/spawn.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>
#include <string_view>

namespace fulcrum::test {

pid_t spawnProcess(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd,
                   const SpawnOptions& options) {
  // Everything the child needs is prepared before fork: after fork only async-signal-safe
  // calls are allowed, since other threads may hold locks (POSIX fork(2)).
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view inherited(*entry);
    const std::string_view name = inherited.substr(0, inherited.find('=') + 1);
    bool replaced = false;
    for (const std::string& extra : options.environment) replaced = replaced || extra.starts_with(name);
    if (!replaced) environment.push_back(*entry);
  }
  for (const std::string& extra : options.environment) environment.push_back(const_cast<char*>(extra.c_str()));
  environment.push_back(nullptr);
  const pid_t parent = ::getpid();
  std::optional<rlimit> open_files;
  if (options.open_files) open_files = rlimit{*options.open_files, *options.open_files};

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid > 0) return pid;

  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(stdout_fd, 1) < 0 || ::dup2(stderr_fd, 2) < 0) {
    ::_exit(127);
  }
  ::close_range(3, ~0U, 0);
  if (open_files && ::setrlimit(RLIMIT_NOFILE, &*open_files) != 0) ::_exit(127);
  // The test binary may ignore or block signals; the daemon must start with defaults.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (const int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) ::signal(sig, SIG_DFL);
  ::execve(args[0], args.data(), environment.data());
  ::_exit(127);
}

}  // namespace fulcrum::test
