#include "lb/proxy/connection_list.h"

#include <vector>

namespace fulcrum {

void ConnectionList::add(TrackedConnection* connection) {
  connection->previous_ = nullptr;
  connection->next_ = head_;
  if (head_ != nullptr) head_->previous_ = connection;
  head_ = connection;
  ++size_;
}

void ConnectionList::remove(TrackedConnection* connection) {
  if (connection->previous_ != nullptr) connection->previous_->next_ = connection->next_;
  else head_ = connection->next_;
  if (connection->next_ != nullptr) connection->next_->previous_ = connection->previous_;
  connection->previous_ = connection->next_ = nullptr;
  --size_;
}

size_t ConnectionList::forceCloseIf(const std::function<bool(const TrackedConnection&)>& matches) {
  std::vector<TrackedConnection*> selected;
  for (TrackedConnection* it = head_; it != nullptr; it = it->next_) {
    if (matches(*it)) selected.push_back(it);
  }
  for (TrackedConnection* connection : selected) connection->forceClose();
  return selected.size();
}

void ConnectionList::forceCloseAll() {
  // forceClose() only starts closing (removal happens in a later close callback), but
  // copy first so that no implementation detail can invalidate the walk.
  std::vector<TrackedConnection*> all;
  all.reserve(size_);
  for (TrackedConnection* it = head_; it != nullptr; it = it->next_) all.push_back(it);
  for (TrackedConnection* connection : all) connection->forceClose();
}

}  // namespace fulcrum
