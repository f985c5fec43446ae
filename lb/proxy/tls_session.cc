#include "lb/proxy/tls_session.h"

#include <openssl/err.h>

#include <algorithm>
#include <cstring>

namespace fulcrum {

// A source/sink BIO whose reads come from the session's borrowed input and whose writes
// go to the caller's output window or the control queue (BIO_meth_new(3)). OpenSSL
// treats "no bytes, retry" as SSL_ERROR_WANT_READ, which readPlaintext() reports as
// kWantInput; writes always succeed, so SSL_write never stops half way.
struct TlsSessionBio {
  static BIO_METHOD* method() {
    static BIO_METHOD* const kMethod = [] {
      BIO_METHOD* created = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "fulcrum tls session");
      if (created == nullptr) return created;
      BIO_meth_set_create(created, &TlsSessionBio::create);
      BIO_meth_set_read(created, &TlsSessionBio::read);
      BIO_meth_set_write(created, &TlsSessionBio::write);
      BIO_meth_set_ctrl(created, &TlsSessionBio::control);
      return created;
    }();
    return kMethod;
  }

  static TlsSession* session(BIO* bio) { return static_cast<TlsSession*>(BIO_get_data(bio)); }

  static int create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }

  static int read(BIO* bio, char* out, int capacity) {
    BIO_clear_retry_flags(bio);
    const size_t taken = session(bio)->takeInput(out, static_cast<size_t>(std::max(capacity, 0)));
    if (taken == 0) {
      BIO_set_retry_read(bio);
      return -1;
    }
    return static_cast<int>(taken);
  }

  static int write(BIO* bio, const char* data, int length) {
    BIO_clear_retry_flags(bio);
    if (length <= 0) return 0;
    session(bio)->acceptOutput(data, static_cast<size_t>(length));
    return length;
  }

  static long control(BIO* bio, int command, long /*number*/, void* /*pointer*/) {
    switch (command) {
      case BIO_CTRL_FLUSH:
        return 1;  // nothing is buffered in the BIO itself
      case BIO_CTRL_PENDING:
        return static_cast<long>(session(bio)->unreadCiphertext());
      case BIO_CTRL_WPENDING:
        return 0;
      default:
        return 0;
    }
  }
};

std::unique_ptr<TlsSession> TlsSession::create(std::shared_ptr<const TlsContext> context) {
  std::unique_ptr<TlsSession> session(new TlsSession(std::move(context)));
  if (!session->ssl_) return nullptr;
  return session;
}

TlsSession::TlsSession(std::shared_ptr<const TlsContext> context) : context_(std::move(context)) {
  BIO_METHOD* method = TlsSessionBio::method();
  if (method == nullptr) return;
  SslPtr ssl(SSL_new(context_->sslContext()));
  if (!ssl) return;
  BIO* bio = BIO_new(method);
  if (bio == nullptr) return;
  BIO_set_data(bio, this);
  // One BIO for both directions: SSL_set_bio(3) takes a single reference for it.
  SSL_set_bio(ssl.get(), bio, bio);
  SSL_set_accept_state(ssl.get());
  ssl_ = std::move(ssl);
}

TlsSession::~TlsSession() = default;

bool TlsSession::feedCiphertext(const char* data, size_t length) {
  if (unreadCiphertext() != 0) return false;
  input_ = data;
  input_length_ = length;
  input_offset_ = 0;
  return true;
}

size_t TlsSession::takeInput(char* out, size_t capacity) {
  const size_t count = std::min(capacity, unreadCiphertext());
  if (count == 0) return 0;
  std::memcpy(out, input_ + input_offset_, count);
  input_offset_ += count;
  return count;
}

TlsSession::ReadResult TlsSession::readPlaintext(char* out, size_t capacity) {
  if (failed_) return {ReadStatus::kError, 0};
  if (capacity == 0) return {ReadStatus::kData, 0};
  // SSL_get_error(3) looks at this thread's error queue, so it must start empty.
  ERR_clear_error();
  size_t bytes = 0;
  const int outcome = SSL_read_ex(ssl_.get(), out, capacity, &bytes);
  if (outcome == 1) return {ReadStatus::kData, bytes};
  switch (SSL_get_error(ssl_.get(), outcome)) {
    case SSL_ERROR_WANT_READ:
      return {ReadStatus::kWantInput, 0};
    case SSL_ERROR_ZERO_RETURN:
      // Bytes after close_notify mean nothing (RFC 8446 section 6.1).
      input_offset_ = input_length_;
      return {ReadStatus::kClosed, 0};
    default:
      fail();
      return {ReadStatus::kError, 0};
  }
}

void TlsSession::fail() {
  failed_ = true;
  error_ = takeOpensslError("TLS connection failed");
  input_offset_ = input_length_;
}

void TlsSession::acceptOutput(const char* data, size_t length) {
  // Into the caller's buffer only while nothing older waits in the queue, so bytes
  // leave in the order OpenSSL produced them.
  if (window_ != nullptr && pendingCiphertext() == 0 && window_capacity_ - window_used_ >= length) {
    std::memcpy(window_ + window_used_, data, length);
    window_used_ += length;
    return;
  }
  pending_.insert(pending_.end(), data, data + length);
}

size_t TlsSession::movePendingTo(char* out, size_t capacity) {
  const size_t count = std::min(capacity, pendingCiphertext());
  if (count == 0) return 0;
  std::memcpy(out, pending_.data() + pending_offset_, count);
  pending_offset_ += count;
  if (pending_offset_ == pending_.size()) {
    // The queue sees the handshake flight, then only the odd ticket or alert: keeping
    // its storage would cost every idle connection a kilobyte or more.
    pending_offset_ = 0;
    std::vector<char>().swap(pending_);
  }
  return count;
}

size_t TlsSession::readCiphertext(char* out, size_t capacity) { return movePendingTo(out, capacity); }

TlsSession::WriteResult TlsSession::writePlaintext(const char* data, size_t length, char* out, size_t capacity) {
  WriteResult result;
  if (failed_) {
    result.status = WriteStatus::kError;
    return result;
  }
  result.produced = movePendingTo(out, capacity);
  if (pendingCiphertext() != 0) return result;
  if (!handshakeDone()) {
    result.status = WriteStatus::kHandshake;
    return result;
  }
  // A client may have negotiated smaller records (RFC 6066 max_fragment_length).
  size_t fragment = kMaxRecordPlaintext;
  const uint8_t fragment_code = SSL_SESSION_get_max_fragment_length(SSL_get_session(ssl_.get()));
  if (fragment_code != TLSEXT_max_fragment_length_DISABLED) fragment = size_t{256} << fragment_code;

  window_ = out;
  window_capacity_ = capacity;
  window_used_ = result.produced;
  while (result.consumed < length && pendingCiphertext() == 0) {
    const size_t room = window_capacity_ - window_used_;
    if (room <= kRecordOverheadReserve) break;
    const size_t chunk = std::min({length - result.consumed, fragment, room - kRecordOverheadReserve});
    ERR_clear_error();
    size_t written = 0;
    if (SSL_write_ex(ssl_.get(), data + result.consumed, chunk, &written) != 1) {
      fail();
      result.status = WriteStatus::kError;
      break;
    }
    result.consumed += written;
  }
  result.produced = window_used_;
  window_ = nullptr;
  window_capacity_ = 0;
  window_used_ = 0;
  return result;
}

void TlsSession::shutdown() {
  if (failed_ || shutdown_sent_ || !handshakeDone()) return;
  shutdown_sent_ = true;
  ERR_clear_error();
  // Returns 0 ("sent, the peer's not yet seen") or 1; the alert goes to the queue.
  SSL_shutdown(ssl_.get());
  ERR_clear_error();
}

std::string_view TlsSession::serverName() const {
  const char* name = SSL_get_servername(ssl_.get(), TLSEXT_NAMETYPE_host_name);
  return name == nullptr ? std::string_view() : std::string_view(name);
}

}  // namespace fulcrum
