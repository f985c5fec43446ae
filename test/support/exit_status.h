#pragma once
// A child's wait(2) status in readable form.
#include <sys/wait.h>

#include <string>

namespace fulcrum::test {

struct ExitStatus {
  int raw = 0;  // as returned by waitpid

  bool exited() const { return WIFEXITED(raw); }
  // The exit code, or -1 when the process did not exit normally.
  int code() const { return exited() ? WEXITSTATUS(raw) : -1; }
  bool signaled() const { return WIFSIGNALED(raw); }
  int signal() const { return signaled() ? WTERMSIG(raw) : 0; }
  bool exitedWith(int expected) const { return exited() && code() == expected; }
  // "exit 0", "signal 9 (Killed)".
  std::string describe() const;
};

}  // namespace fulcrum::test
