#pragma once
// The real daemon (FULCRUM_BINARY) running in a scratch directory for one test.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "test/support/deadline.h"
#include "test/support/exit_status.h"
#include "test/support/spawn.h"
#include "test/support/temp_dir.h"

namespace fulcrum::test {

class FulcrumProcess {
 public:
  // Writes `config_text` to <tempdir>/fulcrum.toml and starts `fulcrum -c` on it plus
  // `extra_args`, with stdout and stderr appended to <tempdir>/fulcrum.log, with `options`.
  explicit FulcrumProcess(std::string_view config_text, std::vector<std::string> extra_args = {},
                          const SpawnOptions& options = {});
  // Kills (SIGKILL) and reaps the process unless it was already reaped. When the running
  // test case has failed, prints the daemon's log to stderr first.
  ~FulcrumProcess();
  FulcrumProcess(const FulcrumProcess&) = delete;
  FulcrumProcess& operator=(const FulcrumProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& configPath() const { return config_path_; }
  const std::string& logPath() const { return log_path_; }
  // Everything the daemon logged so far.
  std::string log() const;
  // Replaces the config file (atomically, by rename), e.g. before a SIGHUP.
  void rewriteConfig(std::string_view config_text);

  // True once the log contains `needle`; false on timeout or when the process exits first.
  bool waitForLog(std::string_view needle, Millis timeout);
  // True once something listens on TCP `port` (seen in /proc/net/tcp*, without
  // connecting); false on timeout or when the process exits first.
  bool waitForTcpPort(uint16_t port, Millis timeout);
  // True once nothing listens on TCP `port` any more.
  bool waitForTcpPortClosed(uint16_t port, Millis timeout);

  // Sends `sig` unless the process was already reaped.
  void signal(int sig);
  // Whether the process is still running (reaps it when it has exited).
  bool running();
  // The exit status once it exits within `timeout`; nullopt while it keeps running.
  std::optional<ExitStatus> waitExit(Millis timeout);
  // SIGTERM (twice: the second skips runtime.withdraw_delay), wait up to `grace`, then
  // SIGKILL. Returns how the process ended.
  ExitStatus stop(Millis grace = Millis(5000));

  // Resident memory (VmRSS in /proc/PID/status), nullopt when unavailable.
  std::optional<size_t> rssBytes() const;
  // Number of entries in /proc/PID/fd, nullopt when unavailable.
  std::optional<size_t> openFdCount() const;
  // CPU time used so far, user plus system (/proc/PID/stat), nullopt when unavailable.
  std::optional<Millis> cpuTime() const;

 private:
  // waitpid(WNOHANG); records the status when the process has exited.
  void reapIfExited();

  TempDir dir_;
  std::string config_path_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_status_;
};

}  // namespace fulcrum::test
