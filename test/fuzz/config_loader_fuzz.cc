// Arbitrary text as a config file (lb/config/loader.h): parseConfig gives either a
// config or at least one diagnostic, never both and never neither, never a crash; every
// diagnostic formats to a line that carries its message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lb/config/loader.h"
#include "test/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const fulcrum::config::LoadResult result = fulcrum::config::parseConfig(text, "fuzz.toml");
  FUZZ_CHECK(result.config.has_value() == result.errors.empty());
  FUZZ_CHECK(result.ok() == result.errors.empty());
  for (const fulcrum::config::Diagnostic& diagnostic : result.errors) {
    FUZZ_CHECK(!diagnostic.message.empty());
    FUZZ_CHECK(diagnostic.file == "fuzz.toml");
    const std::string line = diagnostic.format();
    FUZZ_CHECK(line.starts_with("fuzz.toml"));
    FUZZ_CHECK(line.find(diagnostic.message) != std::string::npos);
  }
  return 0;
}
