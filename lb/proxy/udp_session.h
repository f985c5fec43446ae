#pragma once
// One UDP session: the datagrams of one client (address and port) of one listener on
// one worker, carried to one backend over a socket connected to it (connect(2) on UDP:
// the kernel then delivers only that backend's datagrams to the socket and reports its
// ICMP errors there). Replies go back to the client from the listener's own socket, so
// the client sees them come from the address it sent to.
//
// Ownership is the HandleWrap pattern of TcpConnection: the session owns its uv_udp_t
// and deletes itself in the close callback; the destructor never calls uv_close. The
// owning UdpListener finds sessions through its table and idle list; a closing session
// leaves both at once (forceClose), so nothing reaches it after that.
//
// Accounting: the listener admits a session (max_sessions, max_connections) before
// open(); from then on the session counts itself out when it is destroyed, whatever
// happened. Per session: the backend's active count (+1 for its life) and
// connections_total; per datagram: the backend's bytes and the listener's datagrams.
#include <netinet/in.h>
#include <sys/socket.h>
#include <uv.h>

#include <memory>

#include "lb/pool/backend.h"
#include "lb/pool/pool.h"
#include "lb/proxy/connection_list.h"
#include "lb/proxy/listener_state.h"
#include "lb/proxy/outgoing_datagram.h"
#include "lb/proxy/udp_client_key.h"
#include "lb/proxy/udp_idle_list.h"
#include "lb/proxy/worker_context.h"

namespace fulcrum {

class UdpListener;

class UdpSession final : public TrackedConnection, public IdleListNode {
 public:
  // Opens a socket connected to `backend` and starts reading its replies. On failure
  // returns nullptr with *error set to the libuv error; the session is gone then (and
  // counted out).
  static UdpSession* open(UdpListener& owner, WorkerContext& worker, std::shared_ptr<ListenerState> listener,
                          std::shared_ptr<Pool> pool, Backend& backend, const sockaddr* client,
                          const UdpClientKey& key, int* error);

  // Sends client datagrams, in order, to the backend on the session's connected socket
  // (the datagrams carry no address) with the worker's UdpSender. Never blocks:
  // datagrams the socket cannot take now are dropped, as UDP may.
  void sendToBackend(const OutgoingDatagram* datagrams, size_t count);

  // True once forceClose() ran: the socket is closed and nothing more may be sent.
  bool closing() const { return owner_ == nullptr; }

  // The session's backend was marked down by the health checker: the listener moves the
  // client to another backend on its next datagram.
  bool backendDown() const { return backend_->health() == HealthState::kDown; }

  const UdpClientKey& key() const { return key_; }
  const sockaddr* clientAddress() const { return &client_.any; }
  Backend& backendRef() { return *backend_; }

  // Ends the session now: it leaves its listener's table at once, its socket closes.
  void forceClose() override;
  const ListenerState* listener() const override { return listener_.get(); }
  const Pool* pool() const override { return pool_.get(); }
  const Backend* backend() const override { return backend_; }

 private:
  UdpSession(UdpListener& owner, WorkerContext& worker, std::shared_ptr<ListenerState> listener,
             std::shared_ptr<Pool> pool, Backend& backend, const sockaddr* client, const UdpClientKey& key);
  ~UdpSession() override;

  // The backend answered a datagram with ICMP port unreachable (ECONNREFUSED on the
  // connected socket): a passive health failure.
  void backendRefused(int status);

  // Access log (udp_session_access_log.cc), for a session that was in its listener's
  // table: why it ends, judged from its state against `current`, the listener's settings
  // now (a reload applies them to open sessions too), and its line.
  const char* closeReason(const ListenerState& current) const;
  void logAccess(const ListenerState& current);

  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onReceive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                        unsigned flags);
  static void onClosed(uv_handle_t* handle);

  UdpListener* owner_;  // null once the session is closing
  WorkerContext& worker_;
  const std::shared_ptr<ListenerState> listener_;
  const std::shared_ptr<Pool> pool_;
  Backend* const backend_;  // counted in its active connections for the session's life
  const UdpClientKey key_;
  union {
    sockaddr any;
    sockaddr_in v4;
    sockaddr_in6 v6;
  } client_{};
  const uint64_t opened_ms_;      // loop time (uv_now) at open
  uint64_t bytes_to_backend_ = 0;  // what the backend socket's sends took
  uint64_t bytes_to_client_ = 0;   // what the backend sent, passed on to the client
  bool handle_open_ = false;
  bool segmenting_ = true;  // the socket's GSO flag (UdpSender::send)
  uv_udp_t upstream_{};
};

}  // namespace fulcrum
