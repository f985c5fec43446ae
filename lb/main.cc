// fulcrum: the command line of INTERFACE.md ("Command line").
#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/log.h"
#include "lb/config/loader.h"
#include "lb/proxy/access_log.h"
#include "lb/proxy/tls_context.h"
#include "lb/runtime/privileges.h"
#include "lb/runtime/server.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntimeError = 1;
constexpr int kExitUsageOrConfig = 2;

void printUsage(std::FILE* out) {
  fmt::print(out,
             "usage: fulcrum -c FILE           run in the foreground (logs to stderr)\n"
             "       fulcrum --check -c FILE   validate FILE and exit\n"
             "       fulcrum --version         print the version\n"
             "options:\n"
             "  -c, --config FILE   configuration file (TOML)\n"
             "      --check         validate the configuration, print problems, exit 0 or 2\n"
             "  -h, --help          this text\n");
}

struct CommandLine {
  std::string config_path;
  bool check = false;
  bool version = false;
  bool help = false;
  std::string error;
};

CommandLine parseCommandLine(int argc, char** argv) {
  CommandLine parsed;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-c" || arg == "--config") {
      if (i + 1 >= argc) {
        parsed.error = fmt::format("{} needs a file name", arg);
        return parsed;
      }
      parsed.config_path = argv[++i];
    } else if (arg.starts_with("--config=")) {
      parsed.config_path = std::string(arg.substr(9));
    } else if (arg == "--check") {
      parsed.check = true;
    } else if (arg == "--version" || arg == "-v") {
      parsed.version = true;
    } else if (arg == "-h" || arg == "--help") {
      parsed.help = true;
    } else {
      parsed.error = fmt::format("unknown argument \"{}\"", arg);
      return parsed;
    }
  }
  return parsed;
}

}  // namespace

int main(int argc, char** argv) {
  const CommandLine command_line = parseCommandLine(argc, argv);
  if (!command_line.error.empty()) {
    fmt::print(stderr, "fulcrum: {}\n", command_line.error);
    printUsage(stderr);
    return kExitUsageOrConfig;
  }
  if (command_line.help) {
    printUsage(stdout);
    return kExitOk;
  }
  if (command_line.version) {
    fmt::print("fulcrum {}\n", FULCRUM_VERSION);
    return kExitOk;
  }
  if (command_line.config_path.empty()) {
    fmt::print(stderr, "fulcrum: no configuration file given (-c FILE)\n");
    printUsage(stderr);
    return kExitUsageOrConfig;
  }

  fulcrum::config::LoadResult loaded = fulcrum::config::loadConfigFile(command_line.config_path);
  if (!loaded.ok()) {
    for (const auto& diagnostic : loaded.errors) fmt::print(stderr, "{}\n", diagnostic.format());
    std::fflush(stderr);
    return kExitUsageOrConfig;
  }
  // Certificates and keys are checked here too, so that --check catches them.
  bool tls_ok = true;
  for (const auto& listener : loaded.config->listeners) {
    if (!listener.tls) continue;
    for (const auto& error : fulcrum::validateTlsConfig(*listener.tls)) {
      fmt::print(stderr, "{}\n", error);
      tls_ok = false;
    }
  }
  if (!tls_ok) return kExitUsageOrConfig;
  if (command_line.check) {
    fmt::print("configuration OK\n");
    return kExitOk;
  }
  // Lines before this point (config errors) are plain text: the format is not known yet.
  fulcrum::log::setFormat(fulcrum::log::formatNamed(loaded.config->runtime.log_format));
  // An unknown runtime.user, or one that needs root while not root, is a config error:
  // found before anything is bound. The switch itself happens after binding.
  if (!loaded.config->runtime.user.empty()) {
    std::string error;
    if (!fulcrum::resolveRunAsUser(loaded.config->runtime.user, &error)) {
      fulcrum::log::error("{}", error);
      return kExitUsageOrConfig;
    }
  }
  // Every proxied connection takes two descriptors and every UDP session one: use all
  // that the hard limit allows (systemd's LimitNOFILE sets it).
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  fulcrum::Server server(std::move(*loaded.config));
  const int rc = server.run();
  fulcrum::access_log::flush();
  return rc == 0 ? kExitOk : kExitRuntimeError;
}
