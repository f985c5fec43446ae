// Reading config files from disk, TOML syntax errors, and how diagnostics print.
#include <catch2/catch.hpp>

#include "lb/config/loader.h"
#include "test/support/temp_dir.h"
#include "test/unit/config_test_util.h"

namespace fulcrum::config {
namespace {

using Errors = std::vector<std::string>;

std::vector<std::string> formatAll(const LoadResult& result) {
  std::vector<std::string> formatted;
  for (const Diagnostic& error : result.errors) formatted.push_back(error.format());
  return formatted;
}

TEST_CASE("a diagnostic with a position prints FILE:LINE:COL", "[config]") {
  CHECK(Diagnostic{"a.toml", 3, 7, "bad thing"}.format() == "a.toml:3:7: error: bad thing");
}

TEST_CASE("a diagnostic without a position prints only the file", "[config]") {
  CHECK(Diagnostic{"a.toml", 0, 0, "bad thing"}.format() == "a.toml: error: bad thing");
}

TEST_CASE("a TOML syntax error is one diagnostic at the parser's position", "[config]") {
  CHECK(testing::errorsOf("[runtime]\nworkers = 4\nshutdown_grace = \n") ==
        Errors{"test.toml:3:18: error: syntax error while parsing key-value pair: expected value, saw '\\n'"});
}

TEST_CASE("a key defined twice is a TOML syntax error", "[config]") {
  CHECK(testing::errorsOf("[runtime]\nworkers = 4\nworkers = 5\n") ==
        Errors{"test.toml:3:11: error: syntax error while parsing key-value pair: cannot redefine existing "
               "integer 'workers'"});
}

TEST_CASE("a valid file loads and records its path", "[config]") {
  test::TempDir dir;
  const std::string path = dir.file("fulcrum.toml");
  test::writeFile(path, "[runtime]\nworkers = 3\n");
  const LoadResult result = loadConfigFile(path);
  REQUIRE(result.ok());
  CHECK(result.config->source_path == path);
  CHECK(result.config->runtime.workers == 3);
}

TEST_CASE("diagnostics from a file name the file's path", "[config]") {
  test::TempDir dir;
  const std::string path = dir.file("fulcrum.toml");
  test::writeFile(path, "\n[runtime]\nworkerz = 3\n");
  CHECK(formatAll(loadConfigFile(path)) ==
        Errors{path + ":3:1: error: unknown key \"runtime.workerz\" (did you mean \"workers\"?)"});
}

TEST_CASE("a missing file is one diagnostic without a position", "[config]") {
  test::TempDir dir;
  const std::string path = dir.file("absent.toml");
  CHECK(formatAll(loadConfigFile(path)) == Errors{path + ": error: cannot read file: No such file or directory"});
}

TEST_CASE("a directory given as the config file is one diagnostic", "[config]") {
  test::TempDir dir;
  CHECK(formatAll(loadConfigFile(dir.path())) == Errors{dir.path() + ": error: cannot read file: Is a directory"});
}

}  // namespace
}  // namespace fulcrum::config
