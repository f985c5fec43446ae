#include "lb/health/http_status_line.h"

#include <algorithm>

namespace fulcrum {
namespace {

constexpr std::string_view kVersionPrefix = "HTTP/";
constexpr size_t kMajorAt = 5;
constexpr size_t kDotAt = 6;
constexpr size_t kMinorAt = 7;
constexpr size_t kSpaceAt = 8;
constexpr size_t kStatusAt = 9;
constexpr size_t kStatusDigits = 3;
constexpr size_t kAfterStatusAt = kStatusAt + kStatusDigits;
constexpr unsigned kMinStatus = 100;
constexpr unsigned kMaxStatus = 599;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// reason-phrase characters: HTAB, SP, VCHAR (0x21..0x7e) and obs-text (0x80..0xff).
bool isReasonChar(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte == '\t' || byte == ' ' || (byte >= 0x21 && byte <= 0x7e) || byte >= 0x80;
}

HttpStatusLine invalid(const char* error) {
  HttpStatusLine result;
  result.outcome = HttpStatusLine::Outcome::kInvalid;
  result.error = error;
  return result;
}

HttpStatusLine needMore(size_t received) {
  if (received >= kMaxStatusLineLength) return invalid("status line too long");
  return HttpStatusLine{};
}

// The line ends at `at` with "\r\n" or "\n"; completes the result or asks for more.
HttpStatusLine finishAt(std::string_view received, size_t at, unsigned status) {
  size_t length = 0;
  if (received[at] == '\n') {
    length = at + 1;
  } else {  // '\r'
    if (at + 1 >= received.size()) return needMore(received.size());
    if (received[at + 1] != '\n') return invalid("CR not followed by LF");
    length = at + 2;
  }
  if (length > kMaxStatusLineLength) return invalid("status line too long");
  HttpStatusLine result;
  result.outcome = HttpStatusLine::Outcome::kComplete;
  result.status = status;
  result.length = length;
  return result;
}

}  // namespace

HttpStatusLine parseHttpStatusLine(std::string_view received) {
  const size_t prefix = std::min(received.size(), kVersionPrefix.size());
  if (received.substr(0, prefix) != kVersionPrefix.substr(0, prefix)) return invalid("does not start with \"HTTP/\"");
  if (received.size() <= kMajorAt) return needMore(received.size());
  if (!isDigit(received[kMajorAt])) return invalid("malformed HTTP version");
  if (received[kMajorAt] != '1') return invalid("unsupported HTTP major version");
  if (received.size() <= kDotAt) return needMore(received.size());
  if (received[kDotAt] != '.') return invalid("malformed HTTP version");
  if (received.size() <= kMinorAt) return needMore(received.size());
  if (!isDigit(received[kMinorAt])) return invalid("malformed HTTP version");
  if (received.size() <= kSpaceAt) return needMore(received.size());
  if (received[kSpaceAt] != ' ') return invalid("no space after the HTTP version");

  unsigned status = 0;
  for (size_t at = kStatusAt; at < kAfterStatusAt; ++at) {
    if (received.size() <= at) return needMore(received.size());
    if (!isDigit(received[at])) return invalid("status code is not three digits");
    status = status * 10 + static_cast<unsigned>(received[at] - '0');
  }
  if (status < kMinStatus || status > kMaxStatus) return invalid("status code out of range 100..599");

  if (received.size() <= kAfterStatusAt) return needMore(received.size());
  const char after_status = received[kAfterStatusAt];
  if (after_status == '\r' || after_status == '\n') return finishAt(received, kAfterStatusAt, status);
  if (after_status != ' ') return invalid("status code is not three digits");

  for (size_t at = kAfterStatusAt + 1; at < received.size(); ++at) {
    const char c = received[at];
    if (c == '\r' || c == '\n') return finishAt(received, at, status);
    if (!isReasonChar(c)) return invalid("control character in the reason phrase");
    if (at + 1 >= kMaxStatusLineLength) return invalid("status line too long");
  }
  return needMore(received.size());
}

}  // namespace fulcrum
