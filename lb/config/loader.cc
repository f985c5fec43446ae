#include "lb/config/loader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "lb/config/diagnostic_sink.h"
#include "lb/config/sections.h"
#include "lb/config/table_reader.h"

namespace fulcrum::config {
namespace {

// Far above any real config; stops `-c /dev/zero` from eating memory.
constexpr size_t kMaxFileBytes = size_t{16} << 20;

std::string syntaxErrorMessage(std::string_view description) {
  // toml++ says "Error while parsing X: ..."; the diagnostic already says "error".
  constexpr std::string_view kPrefix = "Error while ";
  if (description.substr(0, kPrefix.size()) == kPrefix) {
    return fmt::format("syntax error while {}", description.substr(kPrefix.size()));
  }
  return fmt::format("syntax error: {}", description);
}

LoadResult singleError(const std::string& file, std::string message) {
  LoadResult result;
  result.errors.push_back(Diagnostic{file, 0, 0, std::move(message)});
  return result;
}

// Reads the whole file; on failure returns nullopt and sets *error.
std::optional<std::string> readFile(const std::string& path, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = fmt::format("cannot read file: {}", std::strerror(errno));
    return std::nullopt;
  }
  std::string content;
  char buffer[65536];
  while (true) {
    const ssize_t count = ::read(fd, buffer, sizeof(buffer));
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      *error = fmt::format("cannot read file: {}", std::strerror(errno));
      ::close(fd);
      return std::nullopt;
    }
    if (count == 0) break;
    if (content.size() + static_cast<size_t>(count) > kMaxFileBytes) {
      *error = fmt::format("cannot read file: larger than {} MiB", kMaxFileBytes >> 20);
      ::close(fd);
      return std::nullopt;
    }
    content.append(buffer, static_cast<size_t>(count));
  }
  ::close(fd);
  return content;
}

}  // namespace

LoadResult parseConfig(std::string_view text, const std::string& file) {
  toml::table document;
  try {
    document = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& error) {
    LoadResult result;
    result.errors.push_back(Diagnostic{file, error.source().begin.line, error.source().begin.column,
                                       syntaxErrorMessage(error.description())});
    return result;
  }

  DiagnosticSink sink(file);
  Config config;
  config.source_path = file;
  SourceMap where;
  TableReader root(document, "", sink);
  readRuntime(root, config.runtime);
  readAdmin(root, config.admin, where);
  readListeners(root, config.listeners, where);
  readPools(root, config.pools, where);
  root.reportUnknownKeys();
  checkCrossReferences(config, where, sink);

  LoadResult result;
  if (sink.empty()) {
    result.config = std::move(config);
  } else {
    result.errors = sink.take();
  }
  return result;
}

LoadResult loadConfigFile(const std::string& path) {
  std::string error;
  const std::optional<std::string> content = readFile(path, &error);
  if (!content) return singleError(path, std::move(error));
  return parseConfig(*content, path);
}

}  // namespace fulcrum::config
