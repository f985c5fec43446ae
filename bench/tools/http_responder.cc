// http_responder: the backend of scripts/bench. Answers every HTTP/1.1 request with a
// fixed small 200 response, as fast as one thread can (see fixed_response_server.h).
#include <cstdio>
#include <string>

#include "bench/tools/fixed_response_server.h"
#include "bench/tools/tool_arguments.h"

int main(int argc, char** argv) {
  const fulcrum::bench::ToolArguments arguments(
      argc, argv, {"bind", "port", "body-bytes"},
      "usage: http_responder --port PORT [--bind 127.0.0.1] [--body-bytes 13]\n"
      "Answers every HTTP/1.1 request with 200 and a body of the given size.\n"
      "Port 0 picks a free port. Prints \"listening on HOST:PORT\" once ready.\n");
  const std::string host = arguments.text("bind", "127.0.0.1");
  const auto port = static_cast<uint16_t>(arguments.number("port", 0, 0, 65535));
  const auto body_bytes = arguments.number("body-bytes", 13, 0, 16 * 1024 * 1024);

  std::string body(body_bytes, 'x');
  if (body_bytes == 13) body = "hello, world\n";
  fulcrum::bench::FixedResponseServer server(std::move(body));
  std::string error;
  if (!server.listen(host, port, &error)) {
    std::fprintf(stderr, "http_responder: %s\n", error.c_str());
    return 1;
  }
  std::printf("listening on %s\n", server.boundAddress().toString().c_str());
  std::fflush(stdout);
  if (!server.run(&error)) {
    std::fprintf(stderr, "http_responder: %s\n", error.c_str());
    return 1;
  }
  return 0;
}
