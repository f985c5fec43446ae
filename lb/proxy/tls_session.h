#pragma once
// The server side of one TLS connection, as a byte transformer with no socket: the
// caller moves ciphertext between the client socket and this object, and plaintext
// between this object and the backend.
//
//   client socket --feedCiphertext--> readPlaintext --> backend
//   backend --writePlaintext(out)--> client socket (plus readCiphertext for handshake
//                                    messages, alerts, tickets and close_notify)
//
// The handshake runs inside readPlaintext(). Memory: OpenSSL's record buffers are
// released whenever they are empty (SSL_MODE_RELEASE_BUFFERS), input is read straight
// from the caller's buffer and application-data output is written straight into the
// caller's buffer (a custom BIO instead of memory BIOs, which would copy every byte
// once more and keep their largest size for the life of the connection). So an idle
// session holds only OpenSSL's SSL object (about 14 KiB with OpenSSL 3.0 after a TLS 1.3
// handshake, whatever the traffic before), and steady-state traffic allocates nothing
// here.
//
// Single-threaded: one session is used by one worker thread.
#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lb/proxy/tls_context.h"
#include "lb/proxy/tls_openssl.h"

namespace fulcrum {

class TlsSession {
 public:
  // Room writePlaintext() keeps free per record beyond its plaintext: header, explicit
  // nonce or IV, tag or MAC and block padding of any cipher OpenSSL offers for TLS 1.2
  // or 1.3 (a TLS 1.3 AEAD record needs 22, TLS 1.2 GCM 29, CBC with SHA-384 at most
  // 5 + 16 + 48 + 256).
  static constexpr size_t kRecordOverheadReserve = 512;
  // The largest TLS plaintext record (RFC 8446 section 5.1).
  static constexpr size_t kMaxRecordPlaintext = 16384;

  enum class ReadStatus {
    kData,       // `bytes` plaintext bytes were written to `out`; call again for more
    kWantInput,  // every fed byte is consumed; feed more ciphertext
    kClosed,     // the client sent close_notify: no more plaintext will come
    kError,      // the connection failed (bad record, handshake failure); see error()
  };
  struct ReadResult {
    ReadStatus status = ReadStatus::kWantInput;
    size_t bytes = 0;
  };

  enum class WriteStatus {
    kOk,         // see consumed/produced
    kHandshake,  // the handshake is not done yet; nothing was consumed
    kError,      // the session failed earlier or now; see error()
  };
  struct WriteResult {
    WriteStatus status = WriteStatus::kOk;
    size_t consumed = 0;  // plaintext bytes taken from the input
    size_t produced = 0;  // ciphertext bytes written to `out`, to send to the client
  };

  // A server session using `context` (kept alive as long as the session). nullptr only
  // when OpenSSL cannot allocate.
  static std::unique_ptr<TlsSession> create(std::shared_ptr<const TlsContext> context);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Hands over ciphertext read from the client. The bytes are borrowed, not copied:
  // they must stay valid and unchanged until unreadCiphertext() is 0, which is the case
  // once readPlaintext() has returned kWantInput, kClosed or kError. Returns false, and
  // takes nothing, while earlier input is still unread.
  bool feedCiphertext(const char* data, size_t length);
  // Bytes of the last feedCiphertext() input that OpenSSL has not read yet.
  size_t unreadCiphertext() const { return input_length_ - input_offset_; }

  // Decrypts into out[0, capacity): advances the handshake and returns application
  // data. After every call, check pendingCiphertext() (the handshake produces replies)
  // and handshakeDone().
  ReadResult readPlaintext(char* out, size_t capacity);

  // Encrypts a prefix of data[0, length) into out[0, capacity), after first moving any
  // pending control bytes there (so the client sees bytes in order). Fills `out` as
  // far as whole records fit with kRecordOverheadReserve to spare; when
  // consumed < length, send `out` and call again with a fresh buffer. `capacity` should
  // be well above kRecordOverheadReserve (a pool buffer of 64 KiB takes ~63 KiB).
  WriteResult writePlaintext(const char* data, size_t length, char* out, size_t capacity);

  // Ciphertext the session has queued by itself (handshake messages, session tickets,
  // alerts, close_notify) and that must be sent to the client.
  size_t pendingCiphertext() const { return pending_.size() - pending_offset_; }
  // Moves up to `capacity` pending bytes to `out`; returns how many.
  size_t readCiphertext(char* out, size_t capacity);

  // Queues close_notify (then send pendingCiphertext()). Only after the handshake and
  // without an error; otherwise there is nothing to say and the caller just closes.
  void shutdown();

  bool handshakeDone() const { return SSL_is_init_finished(ssl_.get()) == 1; }
  bool failed() const { return failed_; }
  // Why the session failed, e.g. "unsupported protocol" or "wrong version number".
  const std::string& error() const { return error_; }
  // "TLSv1.2", "TLSv1.3" once negotiated.
  const char* protocolVersion() const { return SSL_get_version(ssl_.get()); }
  // The negotiated cipher, e.g. "TLS_AES_128_GCM_SHA256"; "(NONE)" before the handshake.
  const char* cipherName() const { return SSL_get_cipher_name(ssl_.get()); }
  // The server name the client asked for (SNI); empty when it sent none.
  std::string_view serverName() const;

 private:
  explicit TlsSession(std::shared_ptr<const TlsContext> context);
  void fail();
  // The custom BIO's ends (tls_session.cc).
  friend struct TlsSessionBio;
  size_t takeInput(char* out, size_t capacity);
  void acceptOutput(const char* data, size_t length);
  size_t movePendingTo(char* out, size_t capacity);

  std::shared_ptr<const TlsContext> context_;
  SslPtr ssl_;

  const char* input_ = nullptr;
  size_t input_length_ = 0;
  size_t input_offset_ = 0;

  // While writePlaintext() runs: the caller's buffer that records go to.
  char* window_ = nullptr;
  size_t window_capacity_ = 0;
  size_t window_used_ = 0;

  std::vector<char> pending_;
  size_t pending_offset_ = 0;

  bool failed_ = false;
  bool shutdown_sent_ = false;
  std::string error_;
};

}  // namespace fulcrum
