#pragma once
// Collects every problem found while loading a config file, with its source position.
#include <cstdint>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "lb/config/loader.h"

namespace fulcrum::config {

struct SourcePosition {
  uint32_t line = 0;  // 1-based; 0 = no position
  uint32_t column = 0;
};

SourcePosition positionOf(const toml::node& node);
SourcePosition positionOf(const toml::key& key);

class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string file) : file_(std::move(file)) {}

  void error(SourcePosition where, std::string message);
  bool empty() const { return diagnostics_.empty(); }
  // The diagnostics in source order; problems at the same position keep the order in
  // which they were found.
  std::vector<Diagnostic> take();

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace fulcrum::config
