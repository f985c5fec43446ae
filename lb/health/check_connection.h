#pragma once
// One active check of one backend, on the health checker's loop: connect, and for http
// send the request and read the status line, all bounded by the check's timeout. It
// reports exactly one outcome to its observer, unless cancelled first, then closes its
// socket (with RST once connected, so the checker does not collect TIME_WAIT sockets,
// as HAProxy does for its checks) and frees itself.
#include <uv.h>

#include <cstdint>
#include <string>

#include "lb/health/check_spec.h"

namespace fulcrum {

struct CheckOutcome {
  bool success = false;
  std::string detail;  // "connected", "http status 200", "connect: connection refused", ...
  uint64_t elapsed_ns = 0;
  // The check could not even start for want of a local resource (descriptors, memory,
  // ports): it says nothing about the backend, so it counts neither way.
  bool inconclusive = false;
};

class CheckObserver {
 public:
  virtual ~CheckObserver() = default;
  // Called on the loop thread. The connection must not be touched from here on.
  virtual void onCheckDone(const CheckOutcome& outcome) = 0;
};

class CheckConnection {
 public:
  // Starts a check of `spec` (which must outlive the check or its cancel()) on `loop`.
  // The returned object belongs to itself; keep the pointer only to cancel().
  static CheckConnection* start(uv_loop_t* loop, const CheckSpec& spec, CheckObserver* observer);

  // Drops the check without an outcome; it frees itself once its handles are closed.
  void cancel();

 private:
  enum class Phase { kConnecting, kAwaitingStatus, kDone };
  static constexpr size_t kReadChunk = 512;

  CheckConnection(uv_loop_t* loop, const CheckSpec& spec, CheckObserver* observer);
  ~CheckConnection() = default;

  void begin();
  void finish(bool success, std::string detail, bool inconclusive = false);
  void closeHandles();

  static void onConnect(uv_connect_t* request, int status);
  static void onWrite(uv_write_t* request, int status);
  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onTimer(uv_timer_t* timer);
  static void onClosed(uv_handle_t* handle);

  uv_loop_t* loop_;
  const CheckSpec& spec_;
  CheckObserver* observer_;
  Phase phase_ = Phase::kConnecting;
  bool connected_ = false;
  int start_error_ = 0;  // a synchronous connect error (libuv code), reported from the timer
  uint64_t started_ns_ = 0;
  std::string received_;
  char read_buffer_[kReadChunk];
  int open_handles_ = 0;

  uv_tcp_t socket_{};
  uv_timer_t timer_{};
  uv_connect_t connect_request_{};
  uv_write_t write_request_{};
};

}  // namespace fulcrum
