#pragma once
// The status line of an HTTP/1.x response, as the http health check reads it
// (RFC 9112, section 4):
//   status-line   = HTTP-version SP status-code SP [ reason-phrase ]
//   HTTP-version  = "HTTP/" DIGIT "." DIGIT
//   status-code   = 3DIGIT            (RFC 9110, section 15: valid codes are 100..599)
//   reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
// Pure: no I/O, no allocation, any bytes in, so that a fuzz target can drive it.
#include <cstddef>
#include <string_view>

namespace fulcrum {

// A status line longer than this (terminator included) is treated as garbage.
inline constexpr size_t kMaxStatusLineLength = 1024;

struct HttpStatusLine {
  enum class Outcome {
    kNeedMore,  // a valid status line may still follow: read more bytes
    kComplete,  // `status` and `length` are set
    kInvalid,   // not a status line; `error` says why
  };
  Outcome outcome = Outcome::kNeedMore;
  unsigned status = 0;          // kComplete: 100..599
  size_t length = 0;            // kComplete: bytes of the line, terminator included
  const char* error = nullptr;  // kInvalid: a static, human-readable reason
};

// Parses the status line at the start of `received` (the first bytes of a response;
// bytes after the line are ignored). Returns kInvalid as soon as `received` cannot be
// the beginning of a status line, so a peer sending garbage is detected without waiting
// for a line end. Accepts CRLF and, as RFC 9112 section 2.2 allows a recipient to, a
// bare LF as the terminator; accepts a missing SP after the status code. Only major
// version 1 is accepted.
HttpStatusLine parseHttpStatusLine(std::string_view received);

}  // namespace fulcrum
