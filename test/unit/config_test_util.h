#pragma once
// Helpers shared by the config loader tests.
#include <string>
#include <string_view>
#include <vector>

#include "lb/config/loader.h"

namespace fulcrum::config::testing {

inline constexpr const char* kTestFile = "test.toml";

// A pool named "blue" with one backend, to append after a snippet under test so that
// its listeners have a pool to name. It adds no errors of its own.
inline constexpr std::string_view kBluePool = R"(
[[pools]]
name = "blue"
[[pools.backends]]
address = "127.0.0.1:9001"
)";

// Every diagnostic that parsing `text` as "test.toml" produces, formatted.
inline std::vector<std::string> errorsOf(std::string_view text) {
  std::vector<std::string> formatted;
  for (const Diagnostic& diagnostic : parseConfig(text, kTestFile).errors) formatted.push_back(diagnostic.format());
  return formatted;
}

inline std::vector<std::string> errorsWithBluePool(std::string_view text) {
  return errorsOf(std::string(text) + std::string(kBluePool));
}

}  // namespace fulcrum::config::testing
