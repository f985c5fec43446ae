// Any bytes as the start of a health-check response (lb/health/http_status_line.h): the
// parser never reads past its input, and its answer is consistent — a complete line has
// a status in 100..599 and a length within the input and the limit, ending in LF; an
// invalid one says why; and a complete line stays complete, with the same status and
// length, whatever bytes follow it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lb/health/http_status_line.h"
#include "test/fuzz/fuzz_check.h"

using fulcrum::HttpStatusLine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A heap copy of exactly `size` bytes, so ASan catches a read past the end.
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::string_view received(bytes);
  const HttpStatusLine line = fulcrum::parseHttpStatusLine(received);
  switch (line.outcome) {
    case HttpStatusLine::Outcome::kComplete: {
      FUZZ_CHECK(line.status >= 100 && line.status <= 599);
      FUZZ_CHECK(line.length > 0 && line.length <= received.size());
      FUZZ_CHECK(line.length <= fulcrum::kMaxStatusLineLength);
      FUZZ_CHECK(received[line.length - 1] == '\n');
      const HttpStatusLine alone = fulcrum::parseHttpStatusLine(received.substr(0, line.length));
      FUZZ_CHECK(alone.outcome == HttpStatusLine::Outcome::kComplete);
      FUZZ_CHECK(alone.status == line.status && alone.length == line.length);
      break;
    }
    case HttpStatusLine::Outcome::kInvalid:
      FUZZ_CHECK(line.error != nullptr && line.error[0] != '\0');
      break;
    case HttpStatusLine::Outcome::kNeedMore:
      FUZZ_CHECK(received.size() < fulcrum::kMaxStatusLineLength);
      break;
  }
  // Whatever is needed more, a prefix of a readable line is never called garbage.
  if (line.outcome != HttpStatusLine::Outcome::kInvalid && !received.empty()) {
    const HttpStatusLine shorter = fulcrum::parseHttpStatusLine(received.substr(0, received.size() - 1));
    FUZZ_CHECK(shorter.outcome != HttpStatusLine::Outcome::kInvalid);
  }
  return 0;
}
