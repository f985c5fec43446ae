#pragma once
// The connections a worker owns, so that a graceful shutdown (or a drain) can find and
// close the ones still open. Intrusive: tracking costs no allocation. Single-threaded.
#include <cstddef>
#include <functional>

namespace fulcrum {

class Backend;
class ConnectionList;
class ListenerState;
class Pool;

class TrackedConnection {
 public:
  virtual ~TrackedConnection() = default;
  // Closes the connection now; it leaves its list once its handles have closed.
  virtual void forceClose() = 0;

  // Where the connection goes, for drains and pool switches that close connections
  // selectively. backend() is nullptr while no backend is assigned.
  virtual const ListenerState* listener() const = 0;
  virtual const Pool* pool() const = 0;
  virtual const Backend* backend() const = 0;

 private:
  friend class ConnectionList;
  TrackedConnection* previous_ = nullptr;
  TrackedConnection* next_ = nullptr;
};

class ConnectionList {
 public:
  void add(TrackedConnection* connection);
  void remove(TrackedConnection* connection);
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Calls forceClose() on every connection; safe although closing removes them later.
  void forceCloseAll();
  // Calls forceClose() on every connection for which `matches` is true; returns how many.
  size_t forceCloseIf(const std::function<bool(const TrackedConnection&)>& matches);

 private:
  TrackedConnection* head_ = nullptr;
  size_t size_ = 0;
};

}  // namespace fulcrum
