#pragma once
// One worker's socket for one UDP listener and the sessions of the clients whose
// datagrams the kernel delivers to it (INTERFACE.md, "UDP").
//
// Every worker binds its own SO_REUSEPORT socket to the listener's address; the kernel
// hashes a datagram's 4-tuple to pick the socket (socket(7), SO_REUSEPORT), so a client
// always reaches the same worker and each worker keeps its own session table, without
// a lock.
//
// Per datagram from a client: look the session up by address and port; create it on
// the client's first datagram (the pool's balancer picks the backend: consistent_hash
// keys on the client's address, so a client that returns after its session expired
// reaches the same backend again); forward it on the session's connected socket.
// Replies come back from the listener's own socket. Reading uses recvmmsg(2) through
// UV_UDP_RECVMMSG into the worker's shared buffer; the datagrams of one read batch are
// forwarded at its end with one sendmmsg(2) per session (libuv ends every batch with a
// callback without an address, and asks for the buffer again before reusing it: both
// flush, so a queued datagram never outlives the bytes it points to); replies
// to clients are gathered in a UdpReplyBatch and sent with one sendmmsg(2) per loop
// iteration (from a uv_check handle, which runs right after the loop's I/O callbacks)
// or when the batch fills; nothing is allocated per datagram.
//
// A session ends when:
// - it carried no datagram either way for `idle_timeout`: sessions sit in an idle list
//   (newest first), touched per datagram; one timer per listener expires them from the
//   old end. It is armed for the oldest session's deadline, but never sooner than
//   idle_timeout/16 (at most 1 s) ahead, so expiry may run that much late and the timer
//   wakes the loop a bounded number of times however many sessions there are;
// - its backend was marked down (health() == kDown): on the client's next datagram the
//   session is closed and a new one made through the balancer, which skips down
//   backends; a client that stays silent keeps its session until idle_timeout;
// - its backend is drained: no new sessions go there (the balancer skips draining
//   backends); existing ones continue until the pool's drain_timeout, when the server
//   closes them as tracked connections whose backend() matches;
// - the listener closes (graceful shutdown, or a reload that removes it): every session
//   ends at once. UDP has nothing to finish, and replies can only leave through the
//   listener's socket, so a session cannot outlive it; closing them promptly also keeps
//   idle sessions from holding a shutdown for its whole grace period. (A deployment that
//   wants in-flight replies to drain withdraws the address first: runtime.withdraw_delay.)
//
// Limits: max_sessions over all workers of the listener (counted in the listener's
// udp_sessions_active), and max_connections when set (sessions count as the listener's
// connections). Datagrams over a limit, and those for which no backend is eligible, are
// dropped and counted (rejected_max_connections / rejected_no_backend); each such
// datagram also counts in connections_total, as a refused TCP connection does.
#include <uv.h>

#include <sys/uio.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "lb/proxy/listener_state.h"
#include "lb/proxy/udp_client_key.h"
#include "lb/proxy/udp_idle_list.h"
#include "lb/proxy/udp_receive_buffer.h"
#include "lb/proxy/udp_reply_batch.h"
#include "lb/proxy/worker_context.h"
#include "lb/proxy/worker_listener.h"

namespace fulcrum {

class UdpSession;

class UdpListener final : public WorkerListener {
 public:
  // Takes ownership of `fd` (a bound SOCK_DGRAM socket from openReusePortSocket) and
  // starts reading on the worker's loop. nullptr with *error set on failure (the fd is
  // closed then).
  static UdpListener* start(WorkerContext& worker, ListenerState& state, int fd, std::string* error);

  // Ends every session and closes the socket; the object is deleted once its handles
  // have closed.
  void close() override;

  ListenerState& state() override { return *state_; }
  // New settings (idle_timeout, max_sessions, pool) apply from now on, to open sessions'
  // idle time too.
  void setState(ListenerState& state) override;

  // Session side: queues a backend's reply to the session's client, to leave from the
  // listener's socket by the end of this loop iteration, and marks the session active.
  void replyToClient(UdpSession& session, const char* data, size_t length);
  // Session side: the session is closing; forget it.
  void forget(UdpSession& session);

  size_t sessionCount() const { return sessions_.size(); }

 private:
  UdpListener(WorkerContext& worker, ListenerState& state);
  ~UdpListener() override = default;

  void handleDatagram(const char* data, size_t length, const sockaddr* client);
  void queueForward(UdpSession& session, const char* data, size_t length);
  void flushForwards();
  UdpSession* openSession(const sockaddr* client, const UdpClientKey& key);
  // Counts a new session in against max_sessions and max_connections.
  bool admitSession();
  void undoAdmission();
  void expireIdleSessions();
  void scheduleSweep();
  uint64_t idleTimeoutMs() const { return static_cast<uint64_t>(state_->config().idle_timeout.count()); }

  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onReceive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                        unsigned flags);
  static void onSweep(uv_timer_t* timer);
  static void onFlushCheck(uv_check_t* check);
  void flushReplies();
  static void onClosed(uv_handle_t* handle);

  WorkerContext& worker_;
  std::shared_ptr<ListenerState> state_;
  std::unordered_map<UdpClientKey, UdpSession*, UdpClientKeyHash> sessions_;
  IdleList idle_;
  bool closing_ = false;
  int open_handles_ = 0;
  uv_udp_t handle_{};
  uv_timer_t sweep_timer_{};
  uv_check_t flush_check_{};
  UdpReplyBatch replies_;

  // Client datagrams of the current read batch, in arrival order; they point into the
  // worker's receive buffer.
  struct PendingForward {
    UdpSession* session;
    iovec payload;
  };
  std::array<PendingForward, UdpReceiveBuffer::kSlots> forwards_{};
  size_t forward_count_ = 0;
};

}  // namespace fulcrum
