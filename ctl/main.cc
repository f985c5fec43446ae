// fulcrumctl: drives a running fulcrum through its admin API (INTERFACE.md, "Control CLI").
#include <civetweb.h>

#include <cstdio>
#include <string>
#include <vector>

#include "ctl/admin_target.h"
#include "ctl/command_line.h"
#include "ctl/commands.h"

namespace {

int run(const std::vector<std::string>& args) {
  using namespace fulcrum::ctl;
  std::string error;
  const std::optional<CommandLine> line = parseCommandLine(args, &error);
  if (!line) {
    std::fprintf(stderr, "fulcrumctl: %s\n(fulcrumctl --help lists the commands and options)\n", error.c_str());
    return kExitUsage;
  }
  if (line->help) {
    std::fputs(usage().c_str(), stdout);
    return kExitOk;
  }
  if (line->version) {
    std::printf("fulcrumctl %s\n", FULCRUM_VERSION);
    return kExitOk;
  }
  std::vector<std::string> problems;
  const std::optional<AdminTarget> target = resolveAdminTarget(*line, &problems);
  if (!target) {
    for (const std::string& problem : problems) std::fprintf(stderr, "fulcrumctl: %s\n", problem.c_str());
    return kExitUsage;
  }
  return runCommand(*line, AdminClient(*target));
}

}  // namespace

int main(int argc, char** argv) {
  mg_init_library(0);
  const int status = run(std::vector<std::string>(argv + 1, argv + argc));
  mg_exit_library();
  return status;
}
