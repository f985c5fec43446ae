#pragma once
// A minimal HTTP/1.1 client for tests of the admin API: one request per connection to
// 127.0.0.1 ("Connection: close"), the whole answer read until the server closes.
// Every call is bounded by its timeout.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "test/support/deadline.h"

namespace fulcrum::test {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;

  // The first header of that name (case-insensitive), nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";  // sent as is: percent-encode it yourself
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Host, Content-Length and Connection are added
};

// Sends `request` to 127.0.0.1:port. nullopt when the connection fails, the timeout
// passes, or the answer is not an HTTP/1.x response.
std::optional<HttpResponse> httpRequest(uint16_t port, const HttpRequest& request, Millis timeout = Millis(5000));

// GET `target`.
std::optional<HttpResponse> httpGet(uint16_t port, std::string target, Millis timeout = Millis(5000));

// Sends `raw` (a complete request, exactly as given) and reads the answer. A send that
// fails halfway (the server answered early and closed) still reads what came back.
std::optional<HttpResponse> httpExchangeRaw(uint16_t port, std::string_view raw, Millis timeout = Millis(5000),
                                            bool answers_head = false);

// Parses a complete response: status line, headers, and the body (cut at Content-Length
// when given; for the answer to a HEAD request, whatever follows the head, which should
// be nothing). nullopt when malformed.
std::optional<HttpResponse> parseHttpResponse(std::string_view text, bool answers_head = false);

// Percent-encodes every byte but RFC 3986 unreserved characters (ALPHA DIGIT - . _ ~).
std::string percentEncode(std::string_view text);

}  // namespace fulcrum::test
