#pragma once
// The admin HTTP/1.1 server on admin.bind: civetweb (a few threads of its own, never a
// worker's) in front of admin::Api. Start-up is two steps so that a bind failure is
// known before the workers start, while requests only reach the Control once the
// workers run: listen() binds, serve() routes requests to the Api.
#include <memory>
#include <optional>

#include "lb/admin/admin_api.h"
#include "lb/config/config.h"
#include "lb/runtime/control.h"

class CivetServer;

namespace fulcrum::admin {

class AdminServer {
 public:
  // Listens on config.bind. nullptr, after logging why, when it cannot. Warns when the
  // address is not loopback and no token is set. Until serve(), requests get 503.
  static std::unique_ptr<AdminServer> listen(const config::AdminConfig& config);
  // Stops accepting and joins civetweb's threads (waiting for requests in progress).
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // From now on requests are answered by an Api on `control`, which must outlive this
  // server. Call once.
  void serve(Control& control);

 private:
  class Handler;

  explicit AdminServer(const config::AdminConfig& config);

  const config::AdminConfig config_;
  std::unique_ptr<Handler> handler_;
  std::unique_ptr<CivetServer> civet_;
};

}  // namespace fulcrum::admin
