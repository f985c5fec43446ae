#pragma once
// Connects a server TlsSession to a MemoryTlsClient in memory: the test stands in for
// the sockets and moves every byte in both directions until both sides go quiet.
// Header-only because it uses fulcrum_core, which fulcrum_test_support does not link.
#include <string>
#include <string_view>

#include "lb/proxy/tls_session.h"
#include "test/support/tls_memory_client.h"

namespace fulcrum::test {

class TlsSessionPump {
 public:
  // Size of the buffers the server decrypts into and encrypts into, like IoBuffer.
  static constexpr size_t kBufferSize = 64 * 1024;

  TlsSessionPump(TlsSession& server, MemoryTlsClient& client) : server_(server), client_(client) {}

  // Moves bytes until a round moves none (at most kMaxRounds rounds).
  void run() {
    constexpr int kMaxRounds = 1000;
    for (int round = 0; round < kMaxRounds; ++round) {
      const bool moved_to_server = clientToServer();
      const bool moved_to_client = serverToClient();
      if (!moved_to_server && !moved_to_client) return;
    }
  }

  // Runs the server's writePlaintext over `plaintext` with `window`-byte buffers and
  // gives the ciphertext to the client, then runs. Returns false when the server
  // refused (handshake not done, error) or a buffer came back overfull.
  bool serverSend(std::string_view plaintext, size_t window = kBufferSize) {
    std::string out(window, '\0');
    size_t sent = 0;
    for (int call = 0; sent < plaintext.size() && call < 1'000'000; ++call) {
      const TlsSession::WriteResult result =
          server_.writePlaintext(plaintext.data() + sent, plaintext.size() - sent, out.data(), out.size());
      if (result.status != TlsSession::WriteStatus::kOk || result.produced > window) return false;
      if (result.consumed == 0 && result.produced == 0) return false;
      sent += result.consumed;
      client_.receive(std::string_view(out.data(), result.produced));
    }
    run();
    return sent == plaintext.size();
  }

  // Feeds `ciphertext` to the server in pieces of `piece` bytes, reading after each.
  void feedServer(std::string_view ciphertext, size_t piece) {
    for (size_t at = 0; at < ciphertext.size(); at += piece) {
      const std::string chunk(ciphertext.substr(at, piece));
      drainServer(chunk);
    }
  }

  std::string& serverReceived() { return server_received_; }
  bool serverClosed() const { return server_closed_; }
  bool serverFailed() const { return server_failed_; }

 private:
  bool clientToServer() {
    const std::string bytes = client_.takeCiphertext();
    if (bytes.empty()) return false;
    drainServer(bytes);
    return true;
  }

  // `bytes` outlives the session's borrow: every status but kData ends it.
  void drainServer(const std::string& bytes) {
    if (!server_.feedCiphertext(bytes.data(), bytes.size())) {
      server_failed_ = true;
      return;
    }
    std::string out(kBufferSize, '\0');
    while (true) {
      const TlsSession::ReadResult result = server_.readPlaintext(out.data(), out.size());
      if (result.status == TlsSession::ReadStatus::kData) {
        server_received_.append(out.data(), result.bytes);
        continue;
      }
      if (result.status == TlsSession::ReadStatus::kClosed) server_closed_ = true;
      if (result.status == TlsSession::ReadStatus::kError) server_failed_ = true;
      return;
    }
  }

  bool serverToClient() {
    if (server_.pendingCiphertext() == 0) return false;
    std::string bytes(server_.pendingCiphertext(), '\0');
    bytes.resize(server_.readCiphertext(bytes.data(), bytes.size()));
    client_.receive(bytes);
    return true;
  }

  TlsSession& server_;
  MemoryTlsClient& client_;
  std::string server_received_;
  bool server_closed_ = false;
  bool server_failed_ = false;
};

}  // namespace fulcrum::test
