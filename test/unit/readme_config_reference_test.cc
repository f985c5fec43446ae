// README's "Configuration reference" table lists exactly the keys the config loader
// accepts: a key added to the loader without documentation, or documented without
// existing, fails here.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "lb/config/loader.h"
#include "lb/config/table_reader.h"

namespace fulcrum::config {
namespace {

// A file with every table the loader reads (each array of tables once), so that every
// reader runs and looks up all of its keys.
constexpr const char* kEveryTable = R"(
[runtime]
[admin]
bind = "127.0.0.1:9901"
[[listeners]]
name = "l"
bind = "127.0.0.1:8080"
pool = "p"
  [listeners.tls]
  cert = "c.pem"
  key = "k.pem"
    [[listeners.tls.sni]]
    server_name = "a.example"
    cert = "c.pem"
    key = "k.pem"
[[pools]]
name = "p"
  [pools.health_check]
  [[pools.backends]]
  address = "127.0.0.1:8081"
)";

// "listeners[0].tls.sni[0].cert" -> "listeners.tls.sni.cert".
std::string withoutIndexes(const std::string& path) { return std::regex_replace(path, std::regex(R"(\[\d+\])"), ""); }

std::set<std::string> keysTheLoaderReads() {
  std::set<std::string> keys;
  setKeyObserver(
      [](const std::string& path, void* context) { static_cast<std::set<std::string>*>(context)->insert(withoutIndexes(path)); },
      &keys);
  parseConfig(kEveryTable, "every_table.toml");
  setKeyObserver(nullptr, nullptr);
  return keys;
}

// The first cell of every row of the table under "### Configuration reference".
std::set<std::string> keysInReadme() {
  std::ifstream readme(FULCRUM_SOURCE_DIR "/README.md");
  std::set<std::string> keys;
  bool in_section = false;
  static const std::regex kRow(R"(^\| `([a-z_.]+)` \|)");
  for (std::string line; std::getline(readme, line);) {
    if (line.starts_with("#")) {
      in_section = line == "### Configuration reference";
      continue;
    }
    std::smatch match;
    if (in_section && std::regex_search(line, match, kRow)) keys.insert(match[1].str());
  }
  return keys;
}

std::string listed(const std::set<std::string>& keys) {
  std::ostringstream out;
  for (const std::string& key : keys) out << key << '\n';
  return out.str();
}

TEST_CASE("every key the config loader accepts is in README's configuration reference", "[readme][config]") {
  const std::set<std::string> documented = keysInReadme();
  REQUIRE(!documented.empty());
  std::set<std::string> missing;
  for (const std::string& key : keysTheLoaderReads()) {
    if (!documented.contains(key)) missing.insert(key);
  }
  INFO("not in README:\n" << listed(missing));
  CHECK(missing.empty());
}

TEST_CASE("every key in README's configuration reference is one the config loader accepts", "[readme][config]") {
  const std::set<std::string> accepted = keysTheLoaderReads();
  REQUIRE(!accepted.empty());
  std::set<std::string> unknown;
  for (const std::string& key : keysInReadme()) {
    if (!accepted.contains(key)) unknown.insert(key);
  }
  INFO("in README but not accepted:\n" << listed(unknown));
  CHECK(unknown.empty());
}

}  // namespace
}  // namespace fulcrum::config
