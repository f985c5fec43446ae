// The command line of INTERFACE.md ("Build and binary", "Command line"): --version,
// --check, and how an invalid or missing configuration is reported.
#include <regex>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/run_command.h"
#include "test/support/temp_dir.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

// Two problems, on lines 3 and 5: a bad duration and an unknown key.
constexpr const char* kInvalidConfig =
    "[runtime]\n"
    "workers = 1\n"
    "shutdown_grace = \"30 parsecs\"\n"
    "\n"
    "colour = \"blue\"\n";

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) result.push_back(line);
  return result;
}

// Checks every output line is "PATH:LINE:COL: error: MESSAGE" and returns the LINEs.
std::multiset<int> errorLines(const CommandResult& result, const std::string& path) {
  const std::regex diagnostic("^" + path + R"(:(\d+):(\d+): error: .+$)");
  std::multiset<int> found;
  for (const std::string& line : lines(result.out + result.err)) {
    std::smatch match;
    INFO("output line: " << line);
    CHECK(std::regex_match(line, match, diagnostic));
    if (!match.empty()) found.insert(std::stoi(match[1]));
  }
  return found;
}

std::string validConfig() {
  return tcpProxyConfig({.listen_port = freeTcpPort(), .backend_ports = {freeTcpPort()}});
}

TEST_CASE("cli: --version prints 'fulcrum <semver>' and exits 0", "[cli]") {
  const CommandResult result = runFulcrum({"--version"});
  CHECK(result.exitCode() == 0);
  CHECK(std::regex_match(result.out, std::regex(R"(fulcrum \d+\.\d+\.\d+\n)")));
  CHECK(result.out == std::string("fulcrum ") + FULCRUM_VERSION + "\n");
}

TEST_CASE("cli: --check on a valid file prints 'configuration OK' and exits 0", "[cli]") {
  TempDir dir;
  const std::string path = dir.file("valid.toml");
  writeFile(path, validConfig());
  const CommandResult result = runFulcrum({"--check", "-c", path});
  CHECK(result.exitCode() == 0);
  CHECK(result.out == "configuration OK\n");
}

TEST_CASE("cli: --check accepts --config as the long form of -c", "[cli]") {
  TempDir dir;
  const std::string path = dir.file("valid.toml");
  writeFile(path, validConfig());
  const CommandResult result = runFulcrum({"--check", "--config", path});
  CHECK(result.exitCode() == 0);
  CHECK(result.out == "configuration OK\n");
}

TEST_CASE("cli: --check on an invalid file reports every problem with its position, exit 2", "[cli]") {
  TempDir dir;
  const std::string path = dir.file("invalid.toml");
  writeFile(path, kInvalidConfig);
  const CommandResult result = runFulcrum({"--check", "-c", path});
  CHECK(result.exitCode() == 2);
  CHECK(errorLines(result, path) == std::multiset<int>{3, 5});
  CHECK(result.out.find("configuration OK") == std::string::npos);
}

TEST_CASE("running with an invalid file reports the same problems and exits 2", "[cli]") {
  TempDir dir;
  const std::string path = dir.file("invalid.toml");
  writeFile(path, kInvalidConfig);
  const CommandResult result = runFulcrum({"-c", path});
  CHECK(result.exitCode() == 2);
  CHECK(errorLines(result, path) == std::multiset<int>{3, 5});
}

TEST_CASE("a TOML syntax error is reported at its position, exit 2", "[cli]") {
  TempDir dir;
  const std::string path = dir.file("broken.toml");
  writeFile(path, "[runtime]\nworkers = = 2\n");
  const CommandResult result = runFulcrum({"--check", "-c", path});
  CHECK(result.exitCode() == 2);
  CHECK(errorLines(result, path) == std::multiset<int>{2});
}

TEST_CASE("a missing config file exits 2 with a message naming the file", "[cli]") {
  TempDir dir;
  const std::string path = dir.file("does-not-exist.toml");
  for (const bool check : {true, false}) {
    std::vector<std::string> args{"-c", path};
    if (check) args.insert(args.begin(), "--check");
    const CommandResult result = runFulcrum(args);
    INFO("with --check: " << check << ", stderr: " << result.err);
    CHECK(result.exitCode() == 2);
    CHECK(result.err.find(path) != std::string::npos);
    CHECK(result.err.find("error") != std::string::npos);
  }
}

TEST_CASE("an unknown command-line argument exits 2 with a message", "[cli]") {
  const CommandResult result = runFulcrum({"--no-such-flag"});
  CHECK(result.exitCode() == 2);
  CHECK(result.err.find("--no-such-flag") != std::string::npos);
}

}  // namespace
}  // namespace fulcrum::test
