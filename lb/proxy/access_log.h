#pragma once
// The access log (listeners.access_log = true): one line per closed TCP connection and
// per ended UDP session, in the format of runtime.log_format, on stderr with the other
// logs.
//
// Off the hot path: the closing worker formats its line into a buffer of its own thread
// (an uncontended lock: only the flusher takes it too, ~10 times a second); a
// background thread writes all buffers with one write(2) each every kFlushInterval. No
// worker ever blocks on stderr.
#include <chrono>
#include <cstdint>
#include <string_view>

namespace fulcrum::access_log {

constexpr std::chrono::milliseconds kFlushInterval{100};

struct Entry {
  std::string_view listener;
  std::string_view client;   // "ADDRESS:PORT"
  std::string_view backend;  // the configured backend address, "-" when none was reached
  uint64_t bytes_to_backend = 0;
  uint64_t bytes_to_client = 0;
  uint64_t duration_ms = 0;
  std::string_view reason;  // closeReason() in tcp_connection_access_log.cc, udp_session_access_log.cc
};

// Formats `entry` into the calling thread's buffer; the flusher thread (started on the
// first call) writes it within kFlushInterval.
void record(const Entry& entry);
// Writes every buffered line now and stops the flusher; call at exit. record() after it
// starts the flusher again.
void flush();

}  // namespace fulcrum::access_log
