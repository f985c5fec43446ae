// demo_backend: one of the backends that scripts/demo puts behind fulcrum. Answers every
// HTTP request with "hello from backend ID (HOST:PORT)" so that curl shows which backend
// fulcrum picked.
#include <cstdio>
#include <string>

#include "bench/tools/fixed_response_server.h"
#include "bench/tools/tool_arguments.h"

int main(int argc, char** argv) {
  const fulcrum::bench::ToolArguments arguments(
      argc, argv, {"bind", "port", "id"},
      "usage: demo_backend --port PORT --id ID [--bind 127.0.0.1]\n"
      "Answers every HTTP/1.1 request with \"hello from backend ID (HOST:PORT)\".\n");
  const std::string host = arguments.text("bind", "127.0.0.1");
  const auto port = static_cast<uint16_t>(arguments.number("port", 0, 1, 65535));
  const std::string id = arguments.text("id", "");
  if (port == 0) arguments.exitWithError("--port is required");
  if (id.empty()) arguments.exitWithError("--id is required");

  std::string body = "hello from backend " + id + " (";
  auto address = fulcrum::SocketAddress::fromNumeric(host, port);
  body += (address ? address->toString() : host) + ")\n";
  fulcrum::bench::FixedResponseServer server(std::move(body));
  std::string error;
  if (!server.listen(host, port, &error)) {
    std::fprintf(stderr, "demo_backend %s: %s\n", id.c_str(), error.c_str());
    return 1;
  }
  std::printf("demo_backend %s listening on %s\n", id.c_str(),
              server.boundAddress().toString().c_str());
  std::fflush(stdout);
  if (!server.run(&error)) {
    std::fprintf(stderr, "demo_backend %s: %s\n", id.c_str(), error.c_str());
    return 1;
  }
  return 0;
}
