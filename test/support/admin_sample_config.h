#pragma once
// A small config with every kind of object the admin API and the metrics report on, for
// tests that build a Topology without starting fulcrum: a TCP listener "web" on pool
// "blue" and a UDP listener "dns" on pool "green". Blue has two unchecked backends, one
// IPv4 of weight 3 and one IPv6 (so that names need percent-encoding in paths); green
// uses least_connections and a TCP health check, so its backend starts in state unknown.
// Header-only: the libFuzzer build (test/fuzz) compiles it with clang apart from
// fulcrum_test_support.
#include <string_view>

namespace fulcrum::test {

inline constexpr std::string_view kAdminSampleConfig = R"(
[[listeners]]
name = "web"
bind = "127.0.0.1:8080"
pool = "blue"

[[listeners]]
name = "dns"
bind = "127.0.0.1:5353"
protocol = "udp"
pool = "green"

[[pools]]
name = "blue"
  [[pools.backends]]
  address = "127.0.0.1:9001"
  weight = 3
  [[pools.backends]]
  address = "[::1]:9002"

[[pools]]
name = "green"
balance = "least_connections"
  [pools.health_check]
  type = "tcp"
  [[pools.backends]]
  address = "127.0.0.1:9003"
)";

}  // namespace fulcrum::test
