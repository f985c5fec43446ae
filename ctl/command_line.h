#pragma once
// fulcrumctl's arguments (INTERFACE.md, "Control CLI"):
//   fulcrumctl [-c FILE] [--admin HOST:PORT] [--token TOKEN] COMMAND [ARGS...]
// Options may come before or after the command; --admin and --token override what the
// config file says.
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::ctl {

struct CommandLine {
  std::optional<std::string> config_path;  // -c / --config
  std::optional<std::string> admin;        // --admin HOST:PORT
  std::optional<std::string> token;        // --token TOKEN
  bool help = false;
  bool version = false;
  std::string command;              // status, drain, enable, switch, reload
  std::vector<std::string> operands;  // the command's arguments, checked against it
};

// nullopt, with *error set to a one-line reason, when the arguments do not make a valid
// call (unknown option or command, wrong number of operands, no way to reach the API).
std::optional<CommandLine> parseCommandLine(const std::vector<std::string>& args, std::string* error);

// The --help text.
std::string usage();

}  // namespace fulcrum::ctl
