// common/log: text and JSON lines (runtime.log_format).
#include <regex>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/log.h"

namespace fulcrum::log {
namespace {

// Sets the process-wide format for one test and restores text afterwards.
struct FormatScope {
  explicit FormatScope(Format format) { setFormat(format); }
  ~FormatScope() { setFormat(Format::kText); }
};

TEST_CASE("a JSON log line is one object with time, level, msg and the fields, escaped", "[log]") {
  FormatScope json(Format::kJson);
  std::string out;
  appendLine(out, Level::kWarn, "quote \" backslash \\ newline \n tab \t", {{"bytes", uint64_t{42}}, {"who", "a\"b"}});
  REQUIRE(out.back() == '\n');
  REQUIRE(out.find('\n') == out.size() - 1);  // the embedded newline is escaped
  const nlohmann::json parsed = nlohmann::json::parse(out);
  CHECK(parsed.size() == 5);
  CHECK(parsed.at("level") == "warn");
  CHECK(parsed.at("msg") == "quote \" backslash \\ newline \n tab \t");
  CHECK(parsed.at("bytes") == 42);
  CHECK(parsed.at("who") == "a\"b");
  CHECK(std::regex_match(parsed.at("time").get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST_CASE("a JSON log line keeps time, level and msg first", "[log]") {
  FormatScope json(Format::kJson);
  std::string out;
  appendLine(out, Level::kInfo, "m", {{"a", uint64_t{1}}});
  CHECK(std::regex_match(out, std::regex(R"(\{"time":"[^"]+","level":"info","msg":"m","a":1\}\n)")));
}

TEST_CASE("a JSON log line survives invalid UTF-8 in the message", "[log]") {
  FormatScope json(Format::kJson);
  std::string out;
  appendLine(out, Level::kError, std::string("bad \xff byte"));
  const nlohmann::json parsed = nlohmann::json::parse(out);
  CHECK(parsed.at("msg") == "bad \xEF\xBF\xBD byte");  // U+FFFD replacement character
}

TEST_CASE("a text log line is time, level, message, then key=value fields", "[log]") {
  FormatScope text(Format::kText);
  std::string out;
  appendLine(out, Level::kInfo, "access", {{"listener", "web"}, {"bytes_to_backend", uint64_t{7}}});
  CHECK(std::regex_match(out, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info access listener=web bytes_to_backend=7\n)")));
}

TEST_CASE("formatNamed maps the runtime.log_format values", "[log]") {
  CHECK(formatNamed("json") == Format::kJson);
  CHECK(formatNamed("text") == Format::kText);
}

}  // namespace
}  // namespace fulcrum::log
