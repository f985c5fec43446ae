#pragma once
// Loading and validating a config file. Every problem is reported, not just the first.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lb/config/config.h"

namespace fulcrum::config {

struct Diagnostic {
  std::string file;
  uint32_t line = 0;    // 0 when the problem has no source position (e.g. unreadable file)
  uint32_t column = 0;
  std::string message;
  // "FILE:LINE:COL: error: MESSAGE", or "FILE: error: MESSAGE" without a position.
  std::string format() const;
};

struct LoadResult {
  std::optional<Config> config;  // set only when errors is empty
  std::vector<Diagnostic> errors;
  bool ok() const { return errors.empty() && config.has_value(); }
};

// Parses and validates TOML text; `file` names it in diagnostics.
LoadResult parseConfig(std::string_view text, const std::string& file);
// Reads `path` and parses it. A missing or unreadable file is one diagnostic.
LoadResult loadConfigFile(const std::string& path);

}  // namespace fulcrum::config
