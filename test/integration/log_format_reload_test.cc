// runtime.log_format changes with a reload (SIGHUP), from the next line on.
#include <csignal>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "test/support/backends.h"
#include "test/support/config_edits.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("a reload that sets log_format json turns the following lines into JSON", "[log_format]") {
  EchoServer backend;
  const uint16_t port = freeTcpPort();
  const std::string config = tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}});
  FulcrumProcess fulcrum(config);
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  const size_t text_part = fulcrum.log().size();
  REQUIRE(fulcrum.log().find(" info fulcrum ") != std::string::npos);  // text so far

  fulcrum.rewriteConfig(withRuntimeKeys(config, "log_format = \"json\"\n"));
  fulcrum.signal(SIGHUP);
  REQUIRE(fulcrum.waitForLog("\"msg\":\"configuration reloaded", 10s));

  // The reload's own first line ("SIGHUP received") is still text; its last is JSON.
  const std::string after = fulcrum.log().substr(text_part);
  const size_t line_start = after.rfind("{\"time\"", after.find("configuration reloaded"));
  REQUIRE(line_start != std::string::npos);
  const size_t line_end = after.find('\n', line_start);
  const nlohmann::json parsed = nlohmann::json::parse(after.substr(line_start, line_end - line_start));
  CHECK(parsed.at("level") == "info");
  CHECK(parsed.at("msg").get<std::string>().starts_with("configuration reloaded from "));
}

}  // namespace
}  // namespace fulcrum::test
