#pragma once
// Logging to stderr. Each record is formatted in memory and written with one write(2),
// so lines from different threads never interleave. A line is either text
// ("TIME LEVEL MESSAGE") or, with Format::kJson, one JSON object
// ({"time":"…","level":"…","msg":"…", extra fields…}) per line (JSON Lines).
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include <fmt/format.h>

namespace fulcrum::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

void setMinimumLevel(Level level);
bool enabled(Level level);
void setFormat(Format format);
Format format();
// "text" -> kText, "json" -> kJson (the values runtime.log_format accepts).
Format formatNamed(std::string_view name);

// An extra key/value of a structured line (the access log's fields).
struct Field {
  std::string_view key;
  std::variant<std::string_view, uint64_t> value;
};

// Appends one complete line, with the current time and a trailing '\n', to `out` in
// the current format. Text lines show the fields as " key=value" after the message.
void appendLine(std::string& out, Level level, std::string_view message,
                std::initializer_list<Field> fields = {});
// Writes `bytes` to stderr with as few write(2) calls as it takes; gives up on an error.
void writeToStderr(std::string_view bytes);
void write(Level level, std::string_view message);

template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::kWarn)) write(Level::kWarn, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::kError)) write(Level::kError, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace fulcrum::log
