// Structural errors in a config file: unknown keys, wrong types, missing required keys.
// Each test pins the exact message and its LINE:COL.
#include <catch2/catch.hpp>

#include "test/unit/config_test_util.h"

namespace fulcrum::config {
namespace {

using Errors = std::vector<std::string>;
using testing::errorsOf;
using testing::errorsWithBluePool;

TEST_CASE("an unknown top-level key is reported at the key", "[config]") {
  CHECK(errorsOf("bogus = 1\n") == Errors{"test.toml:1:1: error: unknown key \"bogus\""});
}

TEST_CASE("an unknown key close to a known one suggests the known one", "[config]") {
  CHECK(errorsOf("[runtime]\nworkerz = 4\n") ==
        Errors{"test.toml:2:1: error: unknown key \"runtime.workerz\" (did you mean \"workers\"?)"});
}

TEST_CASE("an unknown key in [admin] is reported with its path", "[config]") {
  CHECK(errorsOf("[admin]\nbind = \"127.0.0.1:9901\"\ntokn = \"x\"\n") ==
        Errors{"test.toml:3:1: error: unknown key \"admin.tokn\" (did you mean \"token\"?)"});
}

TEST_CASE("an unknown key in a listener names the listener's index", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8080\"\n"
                           "pool = \"blue\"\n"
                           "[[listeners]]\n"
                           "name = \"api\"\n"
                           "bind = \"127.0.0.1:8081\"\n"
                           "pool = \"blue\"\n"
                           "  bindd = \"127.0.0.1:8082\"\n") ==
        Errors{"test.toml:9:3: error: unknown key \"listeners[1].bindd\" (did you mean \"bind\"?)"});
}

TEST_CASE("an unknown key in a listener's tls table is reported", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8443\"\n"
                           "pool = \"blue\"\n"
                           "[listeners.tls]\n"
                           "cert = \"c.pem\"\n"
                           "key = \"k.pem\"\n"
                           "crt = \"x.pem\"\n") ==
        Errors{"test.toml:8:1: error: unknown key \"listeners[0].tls.crt\" (did you mean \"cert\"?)"});
}

TEST_CASE("an unknown key in an sni entry is reported", "[config]") {
  CHECK(
      errorsWithBluePool("[[listeners]]\n"
                         "name = \"web\"\n"
                         "bind = \"127.0.0.1:8443\"\n"
                         "pool = \"blue\"\n"
                         "tls = { cert = \"c.pem\", key = \"k.pem\", sni = [\n"
                         "  { server_name = \"a.example\", cert = \"a.pem\", key = \"a.key\", alias = \"b\" } ] }\n") ==
      Errors{"test.toml:6:63: error: unknown key \"listeners[0].tls.sni[0].alias\""});
}

TEST_CASE("an unknown key in a health check is reported", "[config]") {
  CHECK(errorsOf("[[pools]]\n"
                 "name = \"blue\"\n"
                 "backends = [ { address = \"127.0.0.1:9001\" } ]\n"
                 "[pools.health_check]\n"
                 "intervall = \"1s\"\n") ==
        Errors{"test.toml:5:1: error: unknown key \"pools[0].health_check.intervall\" (did you mean \"interval\"?)"});
}

TEST_CASE("an unknown key in a backend is reported", "[config]") {
  CHECK(errorsOf("[[pools]]\n"
                 "name = \"blue\"\n"
                 "[[pools.backends]]\n"
                 "address = \"127.0.0.1:9001\"\n"
                 "wieght = 2\n") ==
        Errors{"test.toml:5:1: error: unknown key \"pools[0].backends[0].wieght\" (did you mean \"weight\"?)"});
}

TEST_CASE("a string where an integer belongs is a type error", "[config]") {
  CHECK(errorsOf("[runtime]\nworkers = \"4\"\n") ==
        Errors{"test.toml:2:11: error: \"runtime.workers\" must be an integer"});
}

TEST_CASE("a float where an integer belongs is a type error", "[config]") {
  CHECK(errorsOf("[runtime]\nworkers = 4.0\n") ==
        Errors{"test.toml:2:11: error: \"runtime.workers\" must be an integer"});
}

TEST_CASE("a non-boolean access_log is a type error", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8080\"\n"
                           "pool = \"blue\"\n"
                           "access_log = \"yes\"\n") ==
        Errors{"test.toml:5:14: error: \"listeners[0].access_log\" must be a boolean (true or false)"});
}

TEST_CASE("a number where a string belongs is a type error", "[config]") {
  CHECK(errorsOf("[admin]\nbind = 9901\n") == Errors{"test.toml:2:8: error: \"admin.bind\" must be a string"});
}

TEST_CASE("a duration written as a number is a type error", "[config]") {
  CHECK(errorsOf("[runtime]\nshutdown_grace = 30\n") ==
        Errors{"test.toml:2:18: error: \"runtime.shutdown_grace\" must be a duration string such as \"250ms\", "
               "\"2s\", \"5m\" or \"1h\""});
}

TEST_CASE("an enum written as a number is a type error listing the choices", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8080\"\n"
                           "pool = \"blue\"\n"
                           "protocol = 6\n") ==
        Errors{"test.toml:5:12: error: \"listeners[0].protocol\" must be a string, one of \"tcp\", \"udp\""});
}

TEST_CASE("a section that is not a table is a type error", "[config]") {
  CHECK(errorsOf("runtime = 5\n") == Errors{"test.toml:1:11: error: \"runtime\" must be a table ([runtime])"});
}

TEST_CASE("a single [listeners] table instead of an array of tables is a type error", "[config]") {
  CHECK(errorsOf("[listeners]\nname = \"web\"\n") ==
        Errors{"test.toml:1:1: error: \"listeners\" must be an array of tables ([[listeners]])"});
}

TEST_CASE("a nested value that should be a table names its TOML header", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8443\"\n"
                           "pool = \"blue\"\n"
                           "tls = \"yes\"\n") ==
        Errors{"test.toml:5:7: error: \"listeners[0].tls\" must be a table ([listeners.tls])"});
}

TEST_CASE("backends given as one inline table instead of an array is a type error", "[config]") {
  CHECK(errorsOf("[[pools]]\nname = \"blue\"\nbackends = { address = \"127.0.0.1:9001\" }\n") ==
        Errors{"test.toml:3:12: error: \"pools[0].backends\" must be an array of tables ([[pools.backends]])"});
}

TEST_CASE("an array element that is not a table is a type error", "[config]") {
  CHECK(errorsOf("listeners = [ 1 ]\n") == Errors{"test.toml:1:15: error: \"listeners[0]\" must be a table"});
}

TEST_CASE("a listener without name, bind and pool reports each missing key", "[config]") {
  CHECK(errorsOf("[[listeners]]\nprotocol = \"tcp\"\n") ==
        Errors{"test.toml:1:1: error: missing required key \"listeners[0].name\"",
               "test.toml:1:1: error: missing required key \"listeners[0].bind\"",
               "test.toml:1:1: error: missing required key \"listeners[0].pool\""});
}

TEST_CASE("a pool without name and backends reports each missing key", "[config]") {
  CHECK(errorsOf("[[pools]]\nbalance = \"round_robin\"\n") ==
        Errors{"test.toml:1:1: error: missing required key \"pools[0].name\"",
               "test.toml:1:1: error: missing required key \"pools[0].backends\""});
}

TEST_CASE("a backend without an address is reported", "[config]") {
  CHECK(errorsOf("[[pools]]\nname = \"blue\"\n[[pools.backends]]\nweight = 2\n") ==
        Errors{"test.toml:3:1: error: missing required key \"pools[0].backends[0].address\""});
}

TEST_CASE("a tls table without cert and key reports both", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8443\"\n"
                           "pool = \"blue\"\n"
                           "[listeners.tls]\n"
                           "min_version = \"1.3\"\n") ==
        Errors{"test.toml:5:1: error: missing required key \"listeners[0].tls.cert\"",
               "test.toml:5:1: error: missing required key \"listeners[0].tls.key\""});
}

TEST_CASE("an sni entry without server_name, cert and key reports each", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8443\"\n"
                           "pool = \"blue\"\n"
                           "[listeners.tls]\n"
                           "cert = \"c.pem\"\n"
                           "key = \"k.pem\"\n"
                           "[[listeners.tls.sni]]\n") ==
        Errors{"test.toml:8:1: error: missing required key \"listeners[0].tls.sni[0].server_name\"",
               "test.toml:8:1: error: missing required key \"listeners[0].tls.sni[0].cert\"",
               "test.toml:8:1: error: missing required key \"listeners[0].tls.sni[0].key\""});
}

TEST_CASE("an [admin] table without bind is reported", "[config]") {
  CHECK(errorsOf("[admin]\ntoken = \"t\"\n") == Errors{"test.toml:1:1: error: missing required key \"admin.bind\""});
}

TEST_CASE("empty listener, pool and backend-pool names are reported", "[config]") {
  CHECK(errorsOf("[[listeners]]\n"
                 "name = \"\"\n"
                 "bind = \"127.0.0.1:8080\"\n"
                 "pool = \"\"\n"
                 "[[pools]]\n"
                 "name = \"\"\n"
                 "backends = [ { address = \"127.0.0.1:9001\" } ]\n") ==
        Errors{"test.toml:2:8: error: \"listeners[0].name\" must not be empty",
               "test.toml:4:8: error: \"listeners[0].pool\" must not be empty",
               "test.toml:6:8: error: \"pools[0].name\" must not be empty"});
}

TEST_CASE("empty tls file names are reported", "[config]") {
  CHECK(errorsWithBluePool("[[listeners]]\n"
                           "name = \"web\"\n"
                           "bind = \"127.0.0.1:8443\"\n"
                           "pool = \"blue\"\n"
                           "tls = { cert = \"\", key = \"\" }\n") ==
        Errors{"test.toml:5:16: error: \"listeners[0].tls.cert\" must not be empty",
               "test.toml:5:26: error: \"listeners[0].tls.key\" must not be empty"});
}

TEST_CASE("a name with characters unusable in API paths is reported", "[config]") {
  CHECK(errorsOf("[[pools]]\nname = \"blue/green\"\nbackends = [ { address = \"127.0.0.1:9001\" } ]\n") ==
        Errors{"test.toml:2:8: error: \"pools[0].name\" may contain only letters, digits, \"_\", \"-\" and \".\", "
               "got \"blue/green\""});
}

}  // namespace
}  // namespace fulcrum::config
