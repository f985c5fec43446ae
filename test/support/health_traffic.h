#pragma once
// Traffic and log helpers for health-check tests through the real binary.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "test/support/deadline.h"
#include "test/support/fulcrum_process.h"

namespace fulcrum::test {

// Connects through the proxy on `listen_port` and reads the `id_length`-byte id that a
// RestartableIdServer (or IdServer) backend sends first; nullopt when the connection is
// closed or nothing arrives within `timeout`.
std::optional<std::string> backendIdVia(uint16_t listen_port, size_t id_length, Millis timeout);

// Connects through the proxy on `listen_port` and reports whether the proxy closed the
// client (reset during or after the handshake, or FIN) within `timeout` without sending
// a byte: what a client sees when the pool has no eligible backend.
bool closedWithoutData(uint16_t listen_port, Millis timeout);

// How often `needle` occurs in `text` (non-overlapping).
size_t countOccurrences(const std::string& text, const std::string& needle);

// True once the daemon's log holds `needle` at least `count` times; false on timeout.
bool waitForLogCount(FulcrumProcess& fulcrum, const std::string& needle, size_t count, Millis timeout);

// The daemon's log after the first occurrence of `marker` (empty when it is absent).
std::string logAfter(const FulcrumProcess& fulcrum, const std::string& marker);

// The first log line holding `marker`, without its newline (empty when there is none).
std::string logLineWith(const FulcrumProcess& fulcrum, const std::string& marker);

}  // namespace fulcrum::test
