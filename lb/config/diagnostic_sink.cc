#include "lb/config/diagnostic_sink.h"

#include <algorithm>

#include <fmt/format.h>

namespace fulcrum::config {

SourcePosition positionOf(const toml::node& node) { return {node.source().begin.line, node.source().begin.column}; }

SourcePosition positionOf(const toml::key& key) { return {key.source().begin.line, key.source().begin.column}; }

std::string Diagnostic::format() const {
  if (line == 0) return fmt::format("{}: error: {}", file, message);
  return fmt::format("{}:{}:{}: error: {}", file, line, column, message);
}

void DiagnosticSink::error(SourcePosition where, std::string message) {
  diagnostics_.push_back(Diagnostic{file_, where.line, where.column, std::move(message)});
}

std::vector<Diagnostic> DiagnosticSink::take() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return std::move(diagnostics_);
}

}  // namespace fulcrum::config
