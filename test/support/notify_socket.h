#pragma once
// The service manager's end of systemd's notify protocol (sd_notify(3)) for tests: a
// Unix datagram socket in a scratch directory whose path goes into a child's
// $NOTIFY_SOCKET.
#include <optional>
#include <string>

#include "test/support/deadline.h"
#include "test/support/temp_dir.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {

class NotifySocket {
 public:
  // Binds <tempdir>/notify; throws std::runtime_error when it cannot.
  NotifySocket();

  // "NOTIFY_SOCKET=<path>", for SpawnOptions::environment.
  std::string environmentEntry() const { return "NOTIFY_SOCKET=" + path_; }
  // The next message (its "NAME=value" lines as sent), or nullopt after `timeout`.
  std::optional<std::string> receive(Millis timeout);

 private:
  TempDir dir_;
  std::string path_;
  UniqueFd fd_;
};

}  // namespace fulcrum::test
