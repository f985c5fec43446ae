#include "test/support/fulcrum_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "test/support/ports.h"
#include "test/support/spawn.h"
#include "test/support/test_failure.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {
namespace {
constexpr Millis kPollStep(10);
}  // namespace

FulcrumProcess::FulcrumProcess(std::string_view config_text, std::vector<std::string> extra_args,
                               const SpawnOptions& options)
    : config_path_(dir_.file("fulcrum.toml")), log_path_(dir_.file("fulcrum.log")) {
  writeFile(config_path_, config_text);
  UniqueFd log_fd(::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!log_fd) throw std::runtime_error("cannot create " + log_path_);
  std::vector<std::string> argv{FULCRUM_BINARY, "-c", config_path_};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  pid_ = spawnProcess(argv, log_fd.get(), log_fd.get(), options);
}

FulcrumProcess::~FulcrumProcess() {
  if (currentTestHasFailed()) {
    std::cerr << "----- fulcrum log (" << log_path_ << ") -----\n"
              << log() << "----- end of fulcrum log -----\n";
  }
  reapIfExited();
  if (!exit_status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::string FulcrumProcess::log() const { return readFile(log_path_); }

void FulcrumProcess::rewriteConfig(std::string_view config_text) { writeFile(config_path_, config_text); }

void FulcrumProcess::reapIfExited() {
  if (exit_status_) return;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) exit_status_ = ExitStatus{status};
}

bool FulcrumProcess::running() {
  reapIfExited();
  return !exit_status_;
}

bool FulcrumProcess::waitForLog(std::string_view needle, Millis timeout) {
  const Deadline deadline(timeout);
  while (true) {
    if (log().find(needle) != std::string::npos) return true;
    // One last look after an exit: the line may have been written just before it.
    if (!running()) return log().find(needle) != std::string::npos;
    if (deadline.expired()) return false;
    std::this_thread::sleep_for(kPollStep);
  }
}

bool FulcrumProcess::waitForTcpPort(uint16_t port, Millis timeout) {
  return eventually(timeout, [&] { return !running() || isTcpPortListening(port); }, kPollStep) &&
         running();
}

bool FulcrumProcess::waitForTcpPortClosed(uint16_t port, Millis timeout) {
  return eventually(timeout, [&] { return !isTcpPortListening(port); }, kPollStep);
}

void FulcrumProcess::signal(int sig) {
  reapIfExited();
  if (!exit_status_) ::kill(pid_, sig);
}

std::optional<ExitStatus> FulcrumProcess::waitExit(Millis timeout) {
  eventually(timeout, [&] { return !running(); }, Millis(5));
  return exit_status_;
}

ExitStatus FulcrumProcess::stop(Millis grace) {
  signal(SIGTERM);
  // A second SIGTERM skips runtime.withdraw_delay (default 2s), which only matters to
  // routers; sent once the first was handled (two pending signals would merge into one)
  // and only while the delay runs.
  if (waitForLog("SIGTERM received", Millis(1000)) && log().find("still accepting for") != std::string::npos &&
      log().find("no longer accepting") == std::string::npos) {
    signal(SIGTERM);
  }
  if (auto status = waitExit(grace)) return *status;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_status_ = ExitStatus{status};
  return *exit_status_;
}

std::optional<size_t> FulcrumProcess::rssBytes() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    size_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return std::nullopt;
}

std::optional<size_t> FulcrumProcess::openFdCount() const {
  const std::string path = "/proc/" + std::to_string(pid_) + "/fd";
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return std::nullopt;
  size_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count;
}

std::optional<Millis> FulcrumProcess::cpuTime() const {
  const std::string stat = readFile("/proc/" + std::to_string(pid_) + "/stat");
  // The command name (field 2) may contain spaces; the fields after it start past ')'.
  const size_t end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(end_of_name + 1));
  std::string field;
  unsigned long long user_ticks = 0;
  unsigned long long system_ticks = 0;
  // Fields 3..13 precede utime (14) and stime (15), proc(5).
  for (int skipped = 3; skipped <= 13; ++skipped) fields >> field;
  if (!(fields >> user_ticks >> system_ticks)) return std::nullopt;
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  if (ticks_per_second <= 0) return std::nullopt;
  return Millis((user_ticks + system_ticks) * 1000 / static_cast<unsigned long long>(ticks_per_second));
}

}  // namespace fulcrum::test
