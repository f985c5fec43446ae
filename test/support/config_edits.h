#pragma once
// Adding keys to a config made by tcpProxyConfig() or udpProxyConfig() (each writes a
// [runtime] table and one listener), for the tests of runtime and listener options.
#include <string>
#include <string_view>

namespace fulcrum::test {

// `config` with `lines` ("key = value\n"…) added to its [runtime] table.
std::string withRuntimeKeys(std::string config, std::string_view lines);
// `config` with `lines` added to its first TCP listener, or else its first UDP one.
std::string withListenerKeys(std::string config, std::string_view lines);

}  // namespace fulcrum::test
