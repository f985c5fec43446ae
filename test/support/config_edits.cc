#include "test/support/config_edits.h"

#include <stdexcept>
#include <utility>

namespace fulcrum::test {
namespace {

std::string insertAfter(std::string config, std::string_view anchor, std::string_view lines) {
  const size_t at = config.find(anchor);
  if (at == std::string::npos) throw std::invalid_argument("config has no " + std::string(anchor));
  config.insert(at + anchor.size(), lines);
  return config;
}

}  // namespace

std::string withRuntimeKeys(std::string config, std::string_view lines) {
  return insertAfter(std::move(config), "[runtime]\n", lines);
}

std::string withListenerKeys(std::string config, std::string_view lines) {
  const char* anchor = config.find("protocol = \"tcp\"\n") != std::string::npos ? "protocol = \"tcp\"\n"
                                                                                : "protocol = \"udp\"\n";
  return insertAfter(std::move(config), anchor, lines);
}

}  // namespace fulcrum::test
