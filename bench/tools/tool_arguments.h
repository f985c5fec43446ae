#pragma once
// Command-line parsing shared by the bench tools: "--name value" pairs only.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "common/socket_address.h"

namespace fulcrum::bench {

class ToolArguments {
 public:
  // Accepts only the option names in `known` (without "--"); prints `usage` and exits 2
  // on anything else, on a missing value, or on --help.
  ToolArguments(int argc, char** argv, std::initializer_list<std::string_view> known,
                std::string usage)
      : usage_(std::move(usage)) {
    for (int i = 1; i < argc; ++i) {
      const std::string_view argument = argv[i];
      if (argument == "--help" || argument == "-h") exitWithUsage(0);
      bool recognised = false;
      for (std::string_view name : known) {
        if (argument.size() == name.size() + 2 && argument.substr(2) == name &&
            argument.substr(0, 2) == "--") {
          recognised = true;
        }
      }
      if (!recognised) exitWithError("unknown argument: " + std::string(argument));
      if (i + 1 >= argc) exitWithError("missing value for " + std::string(argument));
      values_[std::string(argument.substr(2))] = argv[++i];
    }
  }

  std::string text(const std::string& name, std::string fallback) const {
    const auto found = values_.find(name);
    return found == values_.end() ? fallback : found->second;
  }

  // An unsigned integer in [minimum, maximum]; exits 2 with a clear message otherwise.
  uint64_t number(const std::string& name, uint64_t fallback, uint64_t minimum,
                  uint64_t maximum) const {
    const auto found = values_.find(name);
    if (found == values_.end()) return fallback;
    const std::string& value = found->second;
    uint64_t result = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), result);
    if (ec != std::errc() || end != value.data() + value.size() || result < minimum ||
        result > maximum) {
      exitWithError("--" + name + " must be a number from " + std::to_string(minimum) + " to " +
                    std::to_string(maximum) + ", not '" + value + "'");
    }
    return result;
  }

  // The required --port on --host (default 127.0.0.1), which must be a numeric IPv4 or
  // IPv6 address; exits 2 with a clear message otherwise.
  SocketAddress target() const {
    const std::string host = text("host", "127.0.0.1");
    const auto port = static_cast<uint16_t>(number("port", 0, 1, 65535));
    if (port == 0) exitWithError("--port is required");
    const auto address = SocketAddress::fromNumeric(host, port);
    if (!address) exitWithError("--host must be a numeric IPv4 or IPv6 address");
    return *address;
  }

  [[noreturn]] void exitWithError(const std::string& message) const {
    std::fprintf(stderr, "error: %s\n", message.c_str());
    exitWithUsage(2);
  }

 private:
  [[noreturn]] void exitWithUsage(int code) const {
    std::fprintf(code == 0 ? stdout : stderr, "%s", usage_.c_str());
    std::exit(code);
  }

  std::string usage_;
  std::map<std::string, std::string> values_;
};

}  // namespace fulcrum::bench
