// The http health check's status-line parser (lb/health/http_status_line.h, RFC 9112
// section 4).
#include <catch2/catch.hpp>

#include <string>

#include "lb/health/http_status_line.h"

namespace fulcrum {
namespace {

using Outcome = HttpStatusLine::Outcome;

TEST_CASE("a complete status line gives its code and length", "[health]") {
  const HttpStatusLine line = parseHttpStatusLine("HTTP/1.1 200 OK\r\n");
  CHECK(line.outcome == Outcome::kComplete);
  CHECK(line.status == 200);
  CHECK(line.length == 17);
}

TEST_CASE("bytes after the status line are ignored", "[health]") {
  const std::string response = "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
  const HttpStatusLine line = parseHttpStatusLine(response);
  CHECK(line.outcome == Outcome::kComplete);
  CHECK(line.status == 503);
  CHECK(line.length == response.find('\n') + 1);
}

TEST_CASE("a bare LF ends the status line", "[health]") {
  const HttpStatusLine line = parseHttpStatusLine("HTTP/1.1 404 Not Found\nServer: x\n");
  CHECK(line.outcome == Outcome::kComplete);
  CHECK(line.status == 404);
  CHECK(line.length == 23);
}

TEST_CASE("an empty reason phrase is accepted with or without its space", "[health]") {
  const HttpStatusLine with_space = parseHttpStatusLine("HTTP/1.1 204 \r\n");
  CHECK(with_space.outcome == Outcome::kComplete);
  CHECK(with_space.status == 204);
  CHECK(with_space.length == 15);
  const HttpStatusLine without_space = parseHttpStatusLine("HTTP/1.1 204\r\n");
  CHECK(without_space.outcome == Outcome::kComplete);
  CHECK(without_space.status == 204);
  CHECK(without_space.length == 14);
}

TEST_CASE("reason phrases may hold tabs and obs-text", "[health]") {
  const HttpStatusLine line = parseHttpStatusLine("HTTP/1.1 200 \tOK \xc3\xa9t\xc3\xa9\r\n");
  CHECK(line.outcome == Outcome::kComplete);
  CHECK(line.status == 200);
}

TEST_CASE("every proper prefix of a valid status line asks for more", "[health]") {
  const std::string full = "HTTP/1.1 200 OK\r\n";
  for (size_t length = 0; length < full.size(); ++length) {
    INFO("prefix length " << length);
    const HttpStatusLine line = parseHttpStatusLine(std::string_view(full).substr(0, length));
    CHECK(line.outcome == Outcome::kNeedMore);
    CHECK(line.error == nullptr);
  }
}

TEST_CASE("garbage is rejected from its first wrong byte", "[health]") {
  CHECK(parseHttpStatusLine("S").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("SSH-2.0-OpenSSH_9.2\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTX").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("\x16\x03\x01").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("http/1.1 200 OK\r\n").outcome == Outcome::kInvalid);
}

TEST_CASE("an invalid status line carries a reason", "[health]") {
  const HttpStatusLine line = parseHttpStatusLine("SSH-2.0\r\n");
  REQUIRE(line.outcome == Outcome::kInvalid);
  CHECK(std::string(line.error) == "does not start with \"HTTP/\"");
}

TEST_CASE("malformed versions are rejected", "[health]") {
  CHECK(parseHttpStatusLine("HTTP/2 200\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/2.0 200 OK\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1-1 200 OK\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.x 200 OK\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.1  200 OK\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.1\t200 OK\r\n").outcome == Outcome::kInvalid);
}

TEST_CASE("status codes must be three digits within 100..599", "[health]") {
  CHECK(parseHttpStatusLine("HTTP/1.1 20 OK\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.1 2000 OK\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.1 2x0 OK\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.1 099 OK\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.1 600 OK\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.1 100 Continue\r\n").status == 100);
  CHECK(parseHttpStatusLine("HTTP/1.1 599 Custom\r\n").status == 599);
}

TEST_CASE("control characters and a lone CR are rejected", "[health]") {
  CHECK(parseHttpStatusLine(std::string_view("HTTP/1.1 200 O\0K\r\n", 18)).outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.1 200 O\x01K\r\n").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.1 200 OK\rX").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.1 200\rX").outcome == Outcome::kInvalid);
  CHECK(parseHttpStatusLine("HTTP/1.1 200 O\x7fK\r\n").outcome == Outcome::kInvalid);
}

TEST_CASE("a status line of exactly the maximum length is accepted", "[health]") {
  std::string line = "HTTP/1.1 200 ";
  line.append(kMaxStatusLineLength - line.size() - 2, 'a');
  line += "\r\n";
  REQUIRE(line.size() == kMaxStatusLineLength);
  const HttpStatusLine parsed = parseHttpStatusLine(line);
  CHECK(parsed.outcome == Outcome::kComplete);
  CHECK(parsed.length == kMaxStatusLineLength);
}

TEST_CASE("a status line over the maximum length is rejected", "[health]") {
  std::string line = "HTTP/1.1 200 ";
  line.append(kMaxStatusLineLength - line.size() - 1, 'a');
  line += "\r\n";
  REQUIRE(line.size() == kMaxStatusLineLength + 1);
  CHECK(parseHttpStatusLine(line).outcome == Outcome::kInvalid);
}

TEST_CASE("a status line that never ends is rejected at the maximum length", "[health]") {
  std::string endless = "HTTP/1.1 200 ";
  endless.append(kMaxStatusLineLength - endless.size() - 1, 'a');
  CHECK(parseHttpStatusLine(endless).outcome == Outcome::kNeedMore);
  endless += 'a';
  const HttpStatusLine line = parseHttpStatusLine(endless);
  CHECK(line.outcome == Outcome::kInvalid);
  CHECK(std::string(line.error) == "status line too long");
}

}  // namespace
}  // namespace fulcrum
