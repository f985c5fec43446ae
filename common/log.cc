#include "common/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <iterator>

#include <nlohmann/json.hpp>

namespace fulcrum::log {
namespace {

std::atomic<Level> minimum_level{Level::kInfo};
std::atomic<Format> line_format{Format::kText};

std::string_view levelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "?";
}

// RFC 3339 UTC with milliseconds, e.g. 2026-01-31T12:00:00.123Z.
void appendTimestamp(std::string& out) {
  timeval now{};
  gettimeofday(&now, nullptr);
  tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                 utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, now.tv_usec / 1000);
}

void appendText(std::string& out, Level level, std::string_view message, std::initializer_list<Field> fields) {
  appendTimestamp(out);
  fmt::format_to(std::back_inserter(out), " {} {}", levelName(level), message);
  for (const Field& field : fields) {
    std::visit([&](const auto& value) { fmt::format_to(std::back_inserter(out), " {}={}", field.key, value); },
               field.value);
  }
  out += '\n';
}

void appendJson(std::string& out, Level level, std::string_view message, std::initializer_list<Field> fields) {
  // ordered_json keeps time, level and msg first, as people read them.
  nlohmann::ordered_json line;
  std::string time;
  appendTimestamp(time);
  line["time"] = std::move(time);
  line["level"] = levelName(level);
  line["msg"] = message;
  for (const Field& field : fields) {
    std::visit([&](const auto& value) { line[std::string(field.key)] = value; }, field.value);
  }
  // Invalid UTF-8 (a message quoting raw input) is replaced, never thrown about.
  out += line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  out += '\n';
}

}  // namespace

void setMinimumLevel(Level level) { minimum_level.store(level, std::memory_order_relaxed); }

bool enabled(Level level) { return level >= minimum_level.load(std::memory_order_relaxed); }

void setFormat(Format format) { line_format.store(format, std::memory_order_relaxed); }

Format format() { return line_format.load(std::memory_order_relaxed); }

Format formatNamed(std::string_view name) { return name == "json" ? Format::kJson : Format::kText; }

void appendLine(std::string& out, Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (format() == Format::kJson) {
    appendJson(out, level, message, fields);
  } else {
    appendText(out, level, message, fields);
  }
}

void writeToStderr(std::string_view bytes) {
  const char* data = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written <= 0) break;
    data += written;
    left -= static_cast<size_t>(written);
  }
}

void write(Level level, std::string_view message) {
  std::string line;
  appendLine(line, level, message);
  writeToStderr(line);
}

}  // namespace fulcrum::log
