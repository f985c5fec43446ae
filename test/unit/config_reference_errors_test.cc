// Errors that span entries of a config file: duplicate names and addresses, references
// to pools that do not exist, and a file with many problems at once.
#include <catch2/catch.hpp>

#include "test/unit/config_test_util.h"

namespace fulcrum::config {
namespace {

using Errors = std::vector<std::string>;
using testing::errorsOf;
using testing::errorsWithBluePool;

TEST_CASE("a duplicate listener name is reported at the second one", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8080\"\n"
                           "pool = \"blue\"\n"
                           "[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8081\"\n"
                           "pool = \"blue\"\n") ==
        Errors{"test.toml:6:8: error: \"listeners[1].name\": duplicate listener name \"web\", first defined at "
               "line 2"});
}

TEST_CASE("a duplicate pool name is reported at the second one", "[config]") {
  CHECK(errorsWithBluePool("[[pools]]\n"
                           "name = \"blue\"\n"
                           "backends = [ { address = \"127.0.0.1:9002\" } ]\n") ==
        Errors{"test.toml:6:8: error: \"pools[1].name\": duplicate pool name \"blue\", first defined at line 2"});
}

TEST_CASE("a backend listed twice in a pool is reported", "[config]") {
  CHECK(errorsOf("[[pools]]\n"
                 "name = \"blue\"\n"
                 "[[pools.backends]]\n"
                 "address = \"127.0.0.1:9001\"\n"
                 "[[pools.backends]]\n"
                 "address = \"127.0.0.1:9001\"\n") ==
        Errors{"test.toml:6:11: error: \"pools[0].backends[1].address\": duplicate backend \"127.0.0.1:9001\" in pool "
               "\"blue\", first defined at line 4"});
}

TEST_CASE("a backend listed twice under two spellings is reported", "[config]") {
  CHECK(errorsOf("[[pools]]\n"
                 "name = \"blue\"\n"
                 "backends = [\n"
                 "  { address = \"127.0.0.1:9001\" },\n"
                 "  { address = \"127.0.0.1:09001\" },\n"
                 "]\n") ==
        Errors{"test.toml:5:15: error: \"pools[0].backends[1].address\": backend \"127.0.0.1:09001\" in pool \"blue\" "
               "is the same address (127.0.0.1:9001) as \"127.0.0.1:9001\" at line 4"});
}

TEST_CASE("a listener naming an unknown pool is reported at its pool key", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8080\"\n"
                           "pool = \"green\"\n") ==
        Errors{"test.toml:4:8: error: \"listeners[0].pool\": unknown pool \"green\""});
}

TEST_CASE("a pool with an empty backends array is reported", "[config]") {
  CHECK(errorsOf("[[pools]]\nname = \"blue\"\nbackends = []\n") ==
        Errors{"test.toml:3:12: error: \"pools[0].backends\" must not be empty: pool \"blue\" has no backends"});
}

TEST_CASE("two tcp listeners on one address are reported", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"a\"\n"
                           "bind = \"127.0.0.1:8080\"\n"
                           "pool = \"blue\"\n"
                           "[[listeners]]\n"
                           "name = \"b\"\n"
                           "bind = \"127.0.0.1:8080\"\n"
                           "pool = \"blue\"\n") ==
        Errors{"test.toml:7:8: error: \"listeners[1].bind\": 127.0.0.1:8080 (tcp) is already used by listener \"a\" "
               "(line 3)"});
}

TEST_CASE("a tcp listener on the admin address is reported", "[config]") {
  CHECK(errorsWithBluePool("[admin]\n"
                           "bind = \"127.0.0.1:9901\"\n"
                           "[[listeners]]\n"
                           "name = \"a\"\n"
                           "bind = \"127.0.0.1:9901\"\n"
                           "pool = \"blue\"\n") ==
        Errors{"test.toml:5:8: error: \"listeners[0].bind\": 127.0.0.1:9901 (tcp) is already used by the admin API "
               "(line 2)"});
}

TEST_CASE("a duplicate sni server name is reported, ignoring case", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8443\"\n"
                           "pool = \"blue\"\n"
                           "[listeners.tls]\n"
                           "cert = \"c.pem\"\n"
                           "key = \"k.pem\"\n"
                           "sni = [ { server_name = \"a.example\", cert = \"a.pem\", key = \"a.key\" },\n"
                           "        { server_name = \"A.example\", cert = \"b.pem\", key = \"b.key\" } ]\n") ==
        Errors{"test.toml:9:25: error: \"listeners[0].tls.sni[1].server_name\": duplicate server name \"A.example\", "
               "first defined at line 8"});
}

TEST_CASE("every problem in a file is reported, in source order", "[config]") {
  const std::vector<Diagnostic> errors = parseConfig(R"([runtime]
workers = "many"
shutdown_grace = "soon"

[[listeners]]
name = "web"
bind = "127.0.0.1"
pool = "red"
colour = "blue"

[[pools]]
name = "blue"
balance = "fastest"
  [[pools.backends]]
  address = "127.0.0.1:9001"
  weight = 5000
)",
                                                     testing::kTestFile)
                                             .errors;
  std::vector<std::string> formatted;
  for (const Diagnostic& error : errors) formatted.push_back(error.format());
  CHECK(formatted ==
        Errors{"test.toml:2:11: error: \"runtime.workers\" must be an integer",
               "test.toml:3:18: error: \"runtime.shutdown_grace\": invalid duration \"soon\" (expected a whole number "
               "and a unit: ms, s, m or h, such as \"250ms\" or \"2s\")",
               "test.toml:7:8: error: \"listeners[0].bind\": invalid address \"127.0.0.1\" (expected HOST:PORT or "
               "[IPv6]:PORT, with a port between 1 and 65535)",
               "test.toml:8:8: error: \"listeners[0].pool\": unknown pool \"red\"",
               "test.toml:9:1: error: unknown key \"listeners[0].colour\"",
               "test.toml:13:11: error: \"pools[0].balance\" must be one of \"round_robin\", \"least_connections\", "
               "\"consistent_hash\", got \"fastest\"",
               "test.toml:16:12: error: \"pools[0].backends[0].weight\" must be between 0 and 1000, got 5000"});
}

TEST_CASE("an invalid config yields no Config", "[config]") {
  const LoadResult result = parseConfig("bogus = 1\n", testing::kTestFile);
  CHECK_FALSE(result.ok());
  CHECK_FALSE(result.config.has_value());
  CHECK(result.errors.size() == 1);
}

}  // namespace
}  // namespace fulcrum::config
