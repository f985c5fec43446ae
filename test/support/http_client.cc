#include "test/support/http_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

std::string lowerCase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const std::string wanted = lowerCase(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return std::nullopt;
}

std::optional<HttpResponse> parseHttpResponse(std::string_view text, bool answers_head) {
  const size_t head_end = text.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return std::nullopt;
  std::string_view head = text.substr(0, head_end);
  std::string_view body = text.substr(head_end + 4);

  const size_t status_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, status_end);
  // "HTTP/1.1 200 OK"
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') return std::nullopt;
  HttpResponse response;
  const std::string_view code = status_line.substr(9, 3);
  if (std::from_chars(code.data(), code.data() + code.size(), response.status).ec != std::errc()) return std::nullopt;

  std::string_view rest = status_end == std::string_view::npos ? std::string_view() : head.substr(status_end + 2);
  while (!rest.empty()) {
    const size_t line_end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, line_end);
    rest = line_end == std::string_view::npos ? std::string_view() : rest.substr(line_end + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    response.headers.emplace_back(lowerCase(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  if (answers_head) {
    // No body belongs to the answer; whatever follows the head is kept so that a test
    // can see a server that sent one anyway.
    response.body = std::string(body);
    return response;
  }
  if (const auto length = response.header("Content-Length")) {
    size_t expected = 0;
    if (std::from_chars(length->data(), length->data() + length->size(), expected).ec != std::errc()) {
      return std::nullopt;
    }
    if (body.size() < expected) return std::nullopt;
    body = body.substr(0, expected);
  }
  response.body = std::string(body);
  return response;
}

std::optional<HttpResponse> httpExchangeRaw(uint16_t port, std::string_view raw, Millis timeout,
                                            bool answers_head) {
  const Deadline deadline(timeout);
  UniqueFd connection = connectTcp(port, deadline.remaining());
  if (!connection) return std::nullopt;
  sendAll(connection.get(), raw, deadline.remaining());
  const ReceiveResult answer = recvUntilEof(connection.get(), deadline.remaining());
  if (answer.end == StreamEnd::kTimeout) return std::nullopt;
  return parseHttpResponse(answer.data, answers_head);
}

std::optional<HttpResponse> httpRequest(uint16_t port, const HttpRequest& request, Millis timeout) {
  std::string raw = fmt::format("{} {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n", request.method,
                                request.target, port);
  for (const auto& [name, value] : request.headers) raw += fmt::format("{}: {}\r\n", name, value);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    raw += fmt::format("Content-Length: {}\r\n", request.body.size());
  }
  raw += "\r\n";
  raw += request.body;
  return httpExchangeRaw(port, raw, timeout, request.method == "HEAD");
}

std::optional<HttpResponse> httpGet(uint16_t port, std::string target, Millis timeout) {
  HttpRequest request;
  request.target = std::move(target);
  return httpRequest(port, request, timeout);
}

std::string percentEncode(std::string_view text) {
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded.push_back(c);
    } else {
      encoded += fmt::format("%{:02X}", static_cast<unsigned>(byte));
    }
  }
  return encoded;
}

}  // namespace fulcrum::test
