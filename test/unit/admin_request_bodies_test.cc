// The JSON bodies of mutating admin calls (lb/admin/request_bodies.h).
#include <catch2/catch.hpp>

#include <string>

#include "lb/admin/request_bodies.h"

namespace fulcrum::admin {
namespace {

TEST_CASE("a pool switch body names the pool", "[admin]") {
  std::string error;
  CHECK(parsePoolSwitchBody(R"({"pool":"green"})", &error) == std::optional<std::string>("green"));
  CHECK(parsePoolSwitchBody(" {\n \"pool\" : \"blue\" }\n", &error) == std::optional<std::string>("blue"));
  CHECK(error.empty());
}

TEST_CASE("a pool switch body that is not JSON is rejected with a reason", "[admin]") {
  for (const char* body : {"", "{", "pool=green", R"({"pool":"green")", R"({"pool":"green"} x)", "\xff"}) {
    INFO("body " << body);
    std::string error;
    CHECK_FALSE(parsePoolSwitchBody(body, &error));
    CHECK(error == "the body is not valid JSON");
  }
}

TEST_CASE("a pool switch body must be an object with exactly the key pool", "[admin]") {
  std::string error;
  CHECK_FALSE(parsePoolSwitchBody(R"(["green"])", &error));
  CHECK(error == "the body must be a JSON object");
  CHECK_FALSE(parsePoolSwitchBody(R"("green")", &error));
  CHECK(error == "the body must be a JSON object");
  CHECK_FALSE(parsePoolSwitchBody("{}", &error));
  CHECK(error == "the body must have the key \"pool\"");
  CHECK_FALSE(parsePoolSwitchBody(R"({"pool":"green","force":true})", &error));
  CHECK(error == "unknown key \"force\" in the body");
}

TEST_CASE("the pool must be a non-empty string", "[admin]") {
  for (const char* body : {R"({"pool":1})", R"({"pool":""})", R"({"pool":null})", R"({"pool":["green"]})",
                           R"({"pool":{"name":"green"}})", R"({"pool":true})"}) {
    INFO("body " << body);
    std::string error;
    CHECK_FALSE(parsePoolSwitchBody(body, &error));
    CHECK(error == "\"pool\" must be a non-empty string");
  }
}

TEST_CASE("a string with invalid UTF-8 is not valid JSON", "[admin]") {
  std::string error;
  CHECK_FALSE(parsePoolSwitchBody("{\"pool\":\"gr\xc3\x28n\"}", &error));
  CHECK(error == "the body is not valid JSON");
}

TEST_CASE("64 KiB of nested arrays is rejected without exhausting the stack", "[admin]") {
  const std::string deep = std::string(32 * 1024, '[') + std::string(32 * 1024, ']');
  std::string error;
  CHECK_FALSE(parsePoolSwitchBody(deep, &error));
  CHECK(error == "the body must be a JSON object");
  CHECK_FALSE(parsePoolSwitchBody(std::string(64 * 1024, '['), &error));
  CHECK(error == "the body is not valid JSON");
}

TEST_CASE("a ready body is true or false", "[admin]") {
  std::string error;
  CHECK(parseReadyBody(R"({"ready":false})", &error) == std::optional<bool>(false));
  CHECK(parseReadyBody(R"({"ready":true})", &error) == std::optional<bool>(true));
}

TEST_CASE("a ready body with another type or key is rejected", "[admin]") {
  std::string error;
  CHECK_FALSE(parseReadyBody(R"({"ready":"false"})", &error));
  CHECK(error == "\"ready\" must be true or false");
  CHECK_FALSE(parseReadyBody(R"({"ready":0})", &error));
  CHECK(error == "\"ready\" must be true or false");
  CHECK_FALSE(parseReadyBody(R"({"Ready":true})", &error));
  CHECK(error == "the body must have the key \"ready\"");
  CHECK_FALSE(parseReadyBody("true", &error));
  CHECK(error == "the body must be a JSON object");
}

}  // namespace
}  // namespace fulcrum::admin
