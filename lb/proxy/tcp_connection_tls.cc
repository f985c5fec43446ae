// TLS termination for TcpConnection: the client side speaks TLS through a TlsSession
// (memory-only, see tls_session.h) while the backend side stays plaintext.
//
//   client ciphertext -> onClientCiphertext -> plaintext -> sendToBackend
//   backend plaintext -> encryptToClient -> ciphertext -> forward(to_client_)
//
// The handshake is bounded by listeners.tls.handshake_timeout; the backend connect
// starts only once it is done.
#include "common/log.h"
#include "lb/proxy/tcp_connection.h"

namespace fulcrum {

void TcpConnection::startTls() {
  tls_ = TlsSession::create(listener_->tls());
  if (!tls_) {
    handshakeFailed("cannot allocate a TLS session");
    return;
  }
  phase_ = Phase::kHandshaking;
  accepted_ns_ = uv_hrtime();
  uv_timer_start(&timer_, onHandshakeTimeout,
                 static_cast<uint64_t>(listener_->tls()->handshakeTimeout().count()), 0);
  uv_read_start(client(), onAlloc, onRead);
}

void TcpConnection::onHandshakeTimeout(uv_timer_t* timer) {
  auto* self = static_cast<TcpConnection*>(timer->data);
  if (self->phase_ == Phase::kHandshaking) self->handshakeFailed("handshake timeout");
}

void TcpConnection::handshakeFailed(const char* reason) {
  listener_->counters().tls_handshakes_failure.fetch_add(1, std::memory_order_relaxed);
  log::debug("listener \"{}\": TLS handshake with {} failed: {}", listener_->name(), client_address_.toString(),
             reason);
  if (tls_) flushTlsOutput();  // an alert, when OpenSSL has one to say
  closeAll(CloseMode::kGraceful, CloseMode::kGraceful);
}

void TcpConnection::onClientCiphertext(IoBuffer* input, size_t length) {
  tls_->feedCiphertext(input->data, length);
  bool client_closed = false;
  bool failed = false;
  while (true) {
    IoBuffer* plaintext = worker_.buffers.acquire();
    const TlsSession::ReadResult result = tls_->readPlaintext(plaintext->data, IoBuffer::kCapacity);
    if (result.status == TlsSession::ReadStatus::kData && result.bytes > 0) {
      sendToBackend(plaintext, result.bytes);
      if (phase_ == Phase::kClosing) break;
      continue;
    }
    worker_.buffers.release(plaintext);
    if (result.status == TlsSession::ReadStatus::kClosed) client_closed = true;
    if (result.status == TlsSession::ReadStatus::kError) failed = true;
    break;
  }
  // The session has read everything it was fed (or failed): the input can go back.
  worker_.buffers.release(input);
  if (phase_ == Phase::kClosing) return;
  if (failed) {
    if (phase_ == Phase::kHandshaking) {
      handshakeFailed(tls_->error().c_str());
    } else {
      flushTlsOutput();
      closeAll(CloseMode::kGraceful, CloseMode::kReset);
    }
    return;
  }
  flushTlsOutput();  // handshake messages, session tickets
  if (phase_ == Phase::kClosing) return;
  if (phase_ == Phase::kHandshaking) {
    if (!tls_->handshakeDone()) {
      if (client_closed) handshakeFailed("client closed during the handshake");
      return;
    }
    listener_->counters().tls_handshakes_success.fetch_add(1, std::memory_order_relaxed);
    listener_->stats()->tls_handshake_latency.observeNanoseconds(uv_hrtime() - accepted_ns_);
    uv_timer_stop(&timer_);
    // Nothing more from the client until the backend is there to take it.
    uv_read_stop(client());
    client_finished_early_ = client_closed;
    phase_ = Phase::kConnecting;
    connectNext();
    return;
  }
  if (client_closed) {
    to_backend_.eof = true;
    uv_read_stop(client());
    finishDirection(to_backend_);
  }
}

void TcpConnection::encryptToClient(IoBuffer* input, size_t length) {
  size_t offset = 0;
  while (offset < length && phase_ != Phase::kClosing) {
    IoBuffer* ciphertext = worker_.buffers.acquire();
    const TlsSession::WriteResult result =
        tls_->writePlaintext(input->data + offset, length - offset, ciphertext->data, IoBuffer::kCapacity);
    if (result.status != TlsSession::WriteStatus::kOk || (result.consumed == 0 && result.produced == 0)) {
      worker_.buffers.release(ciphertext);
      closeAll(CloseMode::kGraceful, CloseMode::kReset);
      break;
    }
    offset += result.consumed;
    if (result.produced == 0) {
      worker_.buffers.release(ciphertext);
      continue;
    }
    forward(to_client_, ciphertext, result.produced);
  }
  worker_.buffers.release(input);
}

void TcpConnection::flushTlsOutput() {
  while (tls_->pendingCiphertext() > 0 && phase_ != Phase::kClosing) {
    IoBuffer* ciphertext = worker_.buffers.acquire();
    const size_t length = tls_->readCiphertext(ciphertext->data, IoBuffer::kCapacity);
    forward(to_client_, ciphertext, length);
  }
}

}  // namespace fulcrum
