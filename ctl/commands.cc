#include "ctl/commands.h"

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ctl/status_table.h"
#include "lb/admin/admin_api.h"

namespace fulcrum::ctl {
namespace {

using nlohmann::json;

// Calls that return at once get this long; a reload waits for fulcrum's own bound first.
constexpr int kCallTimeoutMs = 10'000;
constexpr int kReloadTimeoutMs =
    static_cast<int>(admin::Api::kReloadTimeout.count()) + kCallTimeoutMs;

struct Call {
  std::string method;
  std::string path;
  std::string body;
  int timeout_ms = kCallTimeoutMs;
};

Call callFor(const CommandLine& line) {
  const auto& args = line.operands;
  if (line.command == "status") return {"GET", "/api/v1/status", "", kCallTimeoutMs};
  if (line.command == "drain" || line.command == "enable") {
    return {"POST",
            fmt::format("/api/v1/pools/{}/backends/{}/{}", encodePathSegment(args[0]), encodePathSegment(args[1]),
                        line.command),
            "", kCallTimeoutMs};
  }
  if (line.command == "switch") {
    return {"PUT", fmt::format("/api/v1/listeners/{}/pool", encodePathSegment(args[0])),
            json{{"pool", args[1]}}.dump(), kCallTimeoutMs};
  }
  return {"POST", "/api/v1/reload", "", kReloadTimeoutMs};
}

// The API's {"error": "...", "diagnostics": [...]} on stderr; the raw answer when it is
// not that shape (e.g. something else listens on the port).
void printRefusal(const ApiAnswer& answer) {
  const json body = json::parse(answer.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    std::fprintf(stderr, "fulcrumctl: %s\n", body["error"].get<std::string>().c_str());
    if (body.contains("diagnostics") && body["diagnostics"].is_array()) {
      for (const json& line : body["diagnostics"]) {
        if (line.is_string()) std::fprintf(stderr, "  %s\n", line.get<std::string>().c_str());
      }
    }
    return;
  }
  std::fprintf(stderr, "fulcrumctl: the admin API answered HTTP %d: %s\n", answer.status, answer.body.c_str());
}

// What a successful call did, in words.
std::string describeSuccess(const CommandLine& line, const json& body) {
  if (line.command == "status") return renderStatus(body);
  if (line.command == "drain" || line.command == "enable") {
    return fmt::format("pool \"{}\": backend {} is {}\n", body.at("pool").get<std::string>(),
                       body.at("backend").get<std::string>(), body.at("state").get<std::string>());
  }
  if (line.command == "switch") {
    return fmt::format("listener \"{}\": new connections go to pool \"{}\"\n", body.at("listener").get<std::string>(),
                       body.at("pool").get<std::string>());
  }
  return "configuration reloaded\n";
}

}  // namespace

int runCommand(const CommandLine& line, const AdminClient& client) {
  const Call call = callFor(line);
  std::string error;
  const std::optional<ApiAnswer> answer = client.call(call.method, call.path, call.body, call.timeout_ms, &error);
  if (!answer) {
    std::fprintf(stderr, "fulcrumctl: %s\n", error.c_str());
    return kExitUnreachable;
  }
  if (answer->status < 200 || answer->status > 299) {
    printRefusal(*answer);
    return kExitRefused;
  }
  try {
    const std::string text = describeSuccess(line, json::parse(answer->body));
    std::fwrite(text.data(), 1, text.size(), stdout);
  } catch (const json::exception& parse_error) {
    std::fprintf(stderr, "fulcrumctl: unexpected answer from the admin API at %s (%s): %s\n",
                 client.target().display.c_str(), parse_error.what(), answer->body.c_str());
    return kExitRefused;
  }
  return kExitOk;
}

}  // namespace fulcrum::ctl
