#pragma once
// One proxied TCP connection: the client socket, the backend socket, and one timer
// (connect timeout, then idle timeout). It owns its three uv handles and deletes
// itself in the last close callback (the HandleWrap pattern of Node: the destructor
// never calls uv_close).
//
// Life: accept -> pick a backend -> connect (connect_timeout; on failure up to
// `retries` other backends) -> splice both directions -> close. Backpressure: when one
// side's write queue passes kHighWater the other side stops reading, and resumes below
// kLowWater. Half-close: EOF from one side becomes shutdown(SHUT_WR) on the other; the
// connection closes when both directions have shut down. A reset or error on one side
// resets the other.
#include <uv.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "common/socket_address.h"
#include "lb/pool/backend.h"
#include "lb/pool/pool.h"
#include "lb/proxy/connection_list.h"
#include "lb/proxy/listener_state.h"
#include "lb/proxy/tls_session.h"
#include "lb/proxy/worker_context.h"

namespace fulcrum {

class TcpConnection final : public TrackedConnection {
 public:
  static constexpr size_t kHighWater = 256 * 1024;
  static constexpr size_t kLowWater = 64 * 1024;

  // Takes ownership of the accepted, non-blocking client socket `client_fd` and starts
  // proxying it. Never throws; a client that cannot be served is closed.
  static void acceptFrom(WorkerContext& worker, ListenerState& listener, int client_fd, SocketAddress client_address);

  void forceClose() override;
  const ListenerState* listener() const override { return listener_.get(); }
  const Pool* pool() const override { return pool_.get(); }
  const Backend* backend() const override { return backend_; }

 private:
  // TLS listeners start in kHandshaking; the backend connect starts once the handshake
  // is done, so a client that never finishes it costs no backend connection.
  enum class Phase { kHandshaking, kConnecting, kSplicing, kClosing };
  enum class CloseMode { kGraceful, kReset };

  // One direction of the splice: bytes read from `from` are written to `to`.
  struct Direction {
    uv_stream_t* from = nullptr;
    uv_stream_t* to = nullptr;
    bool to_backend = false;
    bool eof = false;            // `from` sent FIN
    bool shutdown_done = false;  // FIN forwarded to `to`
    bool paused = false;         // `from` not read because `to` is backed up
    uv_shutdown_t shutdown_request{};
  };

  TcpConnection(WorkerContext& worker, ListenerState& listener);
  ~TcpConnection() override;

  void connectNext();
  void connectFailed(const char* reason);
  void cannotConnect(int local_error);
  void startSplice();
  // Sends the PROXY protocol header (listener setting proxy_protocol) to the backend,
  // ahead of any client byte.
  void sendProxyHeader();
  // Bytes for the backend: counted, then forwarded (or held until the backend connects).
  void sendToBackend(IoBuffer* buffer, size_t length);

  // TLS (tcp_connection_tls.cc): the client side speaks TLS through tls_.
  void startTls();
  void onClientCiphertext(IoBuffer* input, size_t length);
  void encryptToClient(IoBuffer* input, size_t length);
  void flushTlsOutput();
  void handshakeFailed(const char* reason);
  static void onHandshakeTimeout(uv_timer_t* timer);
  void forward(Direction& direction, IoBuffer* buffer, size_t length);
  void finishDirection(Direction& direction);
  void closeAll(CloseMode client_mode, CloseMode upstream_mode);
  // Access log (tcp_connection_access_log.cc): called by closeAll before the phase
  // becomes kClosing, when the listener has access_log on.
  void logAccess(CloseMode client_mode, CloseMode upstream_mode);
  const char* closeReason(CloseMode client_mode, CloseMode upstream_mode) const;
  void closeHandle(uv_handle_t* handle, CloseMode mode);
  void armIdleTimer();
  bool alreadyTried(const Backend* backend) const;
  Direction& directionFrom(const uv_stream_t* stream) { return stream == client() ? to_backend_ : to_client_; }
  Direction& directionTo(const uv_stream_t* stream) { return stream == client() ? to_client_ : to_backend_; }
  Direction& otherDirection(const Direction& direction) {
    return &direction == &to_backend_ ? to_client_ : to_backend_;
  }
  uv_stream_t* client() { return reinterpret_cast<uv_stream_t*>(&client_); }
  const uv_stream_t* client() const { return reinterpret_cast<const uv_stream_t*>(&client_); }
  uv_stream_t* upstream() { return reinterpret_cast<uv_stream_t*>(&upstream_); }

  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* request, int status);
  static void onShutdown(uv_shutdown_t* request, int status);
  static void onConnect(uv_connect_t* request, int status);
  static void onConnectTimeout(uv_timer_t* timer);
  static void onIdleTimer(uv_timer_t* timer);
  static void onHandleClosed(uv_handle_t* handle);

  WorkerContext& worker_;
  // Strong references: a reload may retire the listener or pool while this runs.
  const std::shared_ptr<ListenerState> listener_;
  std::shared_ptr<Pool> pool_;
  Backend* backend_ = nullptr;  // counted in its active connections while set
  SocketAddress client_address_;
  Phase phase_ = Phase::kConnecting;
  bool admitted_ = false;  // counted in the listener's active connections
  bool upstream_open_ = false;
  int pending_closes_ = 0;
  unsigned attempts_ = 0;
  static constexpr size_t kTriedMemory = 8;
  std::array<const Backend*, kTriedMemory> tried_{};
  uint64_t last_activity_ms_ = 0;
  uint64_t connect_started_ns_ = 0;
  uint64_t accepted_ns_ = 0;

  std::unique_ptr<TlsSession> tls_;
  // Plaintext that arrived with the end of the handshake, before the backend connected.
  std::vector<std::pair<IoBuffer*, size_t>> early_plaintext_;
  bool client_finished_early_ = false;  // close_notify came with the handshake

  uv_tcp_t client_{};
  uv_tcp_t upstream_{};
  uv_timer_t timer_{};
  uv_connect_t connect_request_{};
  Direction to_backend_;
  Direction to_client_;
};

}  // namespace fulcrum
