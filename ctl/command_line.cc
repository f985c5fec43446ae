#include "ctl/command_line.h"

#include <array>
#include <string_view>

#include <fmt/format.h>

namespace fulcrum::ctl {
namespace {

struct CommandSpec {
  std::string_view name;
  size_t operands;
  std::string_view synopsis;
};

constexpr std::array<CommandSpec, 5> kCommands = {{
    {"status", 0, "status"},
    {"drain", 2, "drain POOL BACKEND"},
    {"enable", 2, "enable POOL BACKEND"},
    {"switch", 2, "switch LISTENER POOL"},
    {"reload", 0, "reload"},
}};

const CommandSpec* findCommand(std::string_view name) {
  for (const CommandSpec& spec : kCommands) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// "--admin=X" -> ("--admin", "X"); other arguments are returned whole with no value.
std::pair<std::string, std::optional<std::string>> splitInlineValue(const std::string& arg) {
  const size_t equals = arg.find('=');
  if (arg.rfind("--", 0) != 0 || equals == std::string::npos) return {arg, std::nullopt};
  return {arg.substr(0, equals), arg.substr(equals + 1)};
}

}  // namespace

std::optional<CommandLine> parseCommandLine(const std::vector<std::string>& args, std::string* error) {
  CommandLine line;
  std::vector<std::string> positional;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg.empty() || arg[0] != '-' || arg == "-") {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    auto [name, value] = splitInlineValue(arg);
    if (name == "-h" || name == "--help") {
      line.help = true;
      continue;
    }
    if (name == "--version") {
      line.version = true;
      continue;
    }
    std::optional<std::string>* target = nullptr;
    if (name == "-c" || name == "--config") target = &line.config_path;
    if (name == "--admin") target = &line.admin;
    if (name == "--token") target = &line.token;
    if (target == nullptr) {
      *error = fmt::format("unknown option {}", name);
      return std::nullopt;
    }
    if (!value) {
      if (i + 1 == args.size()) {
        *error = fmt::format("{} needs a value", name);
        return std::nullopt;
      }
      value = args[++i];
    }
    *target = std::move(*value);
  }
  if (line.help || line.version) return line;

  if (positional.empty()) {
    *error = "no command given (status, drain, enable, switch or reload)";
    return std::nullopt;
  }
  line.command = positional.front();
  line.operands.assign(positional.begin() + 1, positional.end());
  const CommandSpec* spec = findCommand(line.command);
  if (spec == nullptr) {
    *error = fmt::format("unknown command \"{}\" (status, drain, enable, switch or reload)", line.command);
    return std::nullopt;
  }
  if (line.operands.size() != spec->operands) {
    *error = fmt::format("usage: fulcrumctl [options] {}", spec->synopsis);
    return std::nullopt;
  }
  if (!line.config_path && !line.admin) {
    *error = "say where the admin API is: -c FILE (its [admin] table) or --admin HOST:PORT";
    return std::nullopt;
  }
  return line;
}

std::string usage() {
  return R"(usage: fulcrumctl [-c FILE] [--admin HOST:PORT] [--token TOKEN] COMMAND [ARGS]

Drives a running fulcrum through its admin API.

commands:
  status                  listeners and backends with their state and active connections
  drain POOL BACKEND      the backend takes no new connections; open ones finish
  enable POOL BACKEND     undo a drain; health checks decide up or down
  switch LISTENER POOL    new connections of the listener go to POOL (blue-green)
  reload                  re-read fulcrum's config file (as SIGHUP does)

options:
  -c, --config FILE       read admin.bind and admin.token from fulcrum's config file
  --admin HOST:PORT       the admin API's address (overrides the file)
  --token TOKEN           the admin token (overrides the file)
  -h, --help              this text
  --version               print the version

exit status: 0 success; 1 the API refused the call (its message is on stderr);
2 bad arguments or config file; 3 the admin API could not be reached.
)";
}

}  // namespace fulcrum::ctl
