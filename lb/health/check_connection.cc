#include "lb/health/check_connection.h"

#include <fmt/format.h>

#include "common/local_resource_error.h"
#include "lb/health/http_status_line.h"

namespace fulcrum {

CheckConnection::CheckConnection(uv_loop_t* loop, const CheckSpec& spec, CheckObserver* observer)
    : loop_(loop), spec_(spec), observer_(observer) {}

CheckConnection* CheckConnection::start(uv_loop_t* loop, const CheckSpec& spec, CheckObserver* observer) {
  auto* check = new CheckConnection(loop, spec, observer);
  check->begin();
  return check;
}

void CheckConnection::begin() {
  started_ns_ = uv_hrtime();
  uv_tcp_init(loop_, &socket_);
  socket_.data = this;
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  open_handles_ = 2;
  connect_request_.data = this;
  write_request_.data = this;
  const int rc = uv_tcp_connect(&connect_request_, &socket_, spec_.address.get(), onConnect);
  if (rc != 0) {
    // Reported from the loop, never from inside start(): the observer may be in the
    // middle of starting this check.
    start_error_ = rc;
    uv_timer_start(&timer_, onTimer, 0, 0);
    return;
  }
  uv_timer_start(&timer_, onTimer, static_cast<uint64_t>(spec_.timeout.count()), 0);
}

void CheckConnection::cancel() {
  if (phase_ == Phase::kDone) return;
  phase_ = Phase::kDone;
  closeHandles();
}

void CheckConnection::finish(bool success, std::string detail, bool inconclusive) {
  if (phase_ == Phase::kDone) return;
  phase_ = Phase::kDone;
  CheckOutcome outcome{success, std::move(detail), uv_hrtime() - started_ns_, inconclusive};
  closeHandles();
  observer_->onCheckDone(outcome);
}

void CheckConnection::closeHandles() {
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), onClosed);
  auto* socket = reinterpret_cast<uv_handle_t*>(&socket_);
  // Closing an established connection with RST leaves no TIME_WAIT behind; before the
  // connect completed, a plain close just abandons the SYN.
  if (!connected_ || uv_tcp_close_reset(&socket_, onClosed) != 0) uv_close(socket, onClosed);
}

void CheckConnection::onClosed(uv_handle_t* handle) {
  auto* self = static_cast<CheckConnection*>(handle->data);
  if (--self->open_handles_ == 0) delete self;
}

void CheckConnection::onConnect(uv_connect_t* request, int status) {
  auto* self = static_cast<CheckConnection*>(request->data);
  if (self->phase_ == Phase::kDone) return;  // cancelled or timed out (status ECANCELED)
  if (status < 0) {
    self->finish(false, fmt::format("connect: {}", uv_strerror(status)));
    return;
  }
  self->connected_ = true;
  if (self->spec_.type != config::HealthCheckType::kHttp) {
    self->finish(true, "connected");
    return;
  }
  self->phase_ = Phase::kAwaitingStatus;
  uv_buf_t request_bytes =
      uv_buf_init(const_cast<char*>(self->spec_.request.data()), static_cast<unsigned>(self->spec_.request.size()));
  auto* stream = reinterpret_cast<uv_stream_t*>(&self->socket_);
  int rc = uv_write(&self->write_request_, stream, &request_bytes, 1, onWrite);
  if (rc == 0) rc = uv_read_start(stream, onAlloc, onRead);
  if (rc != 0) self->finish(false, fmt::format("http: send: {}", uv_strerror(rc)));
}

void CheckConnection::onWrite(uv_write_t* request, int status) {
  auto* self = static_cast<CheckConnection*>(request->data);
  if (self->phase_ == Phase::kDone || status == 0) return;
  self->finish(false, fmt::format("http: send: {}", uv_strerror(status)));
}

void CheckConnection::onAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  auto* self = static_cast<CheckConnection*>(handle->data);
  *buf = uv_buf_init(self->read_buffer_, sizeof(self->read_buffer_));
}

void CheckConnection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* /*buf*/) {
  auto* self = static_cast<CheckConnection*>(stream->data);
  if (self->phase_ != Phase::kAwaitingStatus || nread == 0) return;
  if (nread == UV_EOF) {
    self->finish(false, self->received_.empty() ? std::string("http: connection closed without a response")
                                                : std::string("http: connection closed inside the status line"));
    return;
  }
  if (nread < 0) {
    self->finish(false, fmt::format("http: read: {}", uv_strerror(static_cast<int>(nread))));
    return;
  }
  // Keep no more than a status line can hold; the parser rejects anything longer.
  const size_t room = kMaxStatusLineLength - std::min(self->received_.size(), kMaxStatusLineLength);
  self->received_.append(self->read_buffer_, std::min(static_cast<size_t>(nread), room));
  const HttpStatusLine line = parseHttpStatusLine(self->received_);
  switch (line.outcome) {
    case HttpStatusLine::Outcome::kNeedMore: return;
    case HttpStatusLine::Outcome::kInvalid:
      self->finish(false, fmt::format("http: invalid status line: {}", line.error));
      return;
    case HttpStatusLine::Outcome::kComplete:
      if (line.status == self->spec_.expect_status) {
        self->finish(true, fmt::format("http status {}", line.status));
      } else {
        self->finish(false, fmt::format("http status {}, expected {}", line.status, self->spec_.expect_status));
      }
      return;
  }
}

void CheckConnection::onTimer(uv_timer_t* timer) {
  auto* self = static_cast<CheckConnection*>(timer->data);
  if (self->phase_ == Phase::kDone) return;
  if (self->start_error_ != 0) {
    self->finish(false, fmt::format("connect: {}", uv_strerror(self->start_error_)),
                 isLocalResourceError(self->start_error_));
    return;
  }
  const char* waiting_for = self->phase_ == Phase::kConnecting ? "connecting" : "waiting for the status line";
  self->finish(false, fmt::format("timeout after {} {}", formatDuration(self->spec_.timeout), waiting_for));
}

}  // namespace fulcrum
