#pragma once
// UDP sessions ordered by their last datagram, newest first: an intrusive doubly linked
// list, so that marking a session active (per datagram) and expiring the idlest one are
// both O(1) and allocate nothing. Every session of one listener has the same
// idle_timeout, so the oldest entry is always the next to expire and one coarse timer
// per listener replaces a timer per session. Single-threaded.
#include <cstddef>
#include <cstdint>

namespace fulcrum {

struct IdleListNode {
  IdleListNode* newer = nullptr;
  IdleListNode* older = nullptr;
  uint64_t last_active_ms = 0;  // loop time (uv_now) of the latest datagram
  bool linked = false;
};

class IdleList {
 public:
  IdleList() = default;
  IdleList(const IdleList&) = delete;
  IdleList& operator=(const IdleList&) = delete;

  bool empty() const { return newest_ == nullptr; }
  size_t size() const { return size_; }
  IdleListNode* oldest() const { return oldest_; }
  IdleListNode* newest() const { return newest_; }

  // Links an unlinked node as the newest, active at `now_ms`.
  void pushNewest(IdleListNode* node, uint64_t now_ms) {
    node->last_active_ms = now_ms;
    node->older = newest_;
    node->newer = nullptr;
    if (newest_ != nullptr) newest_->newer = node;
    else oldest_ = node;
    newest_ = node;
    node->linked = true;
    ++size_;
  }

  // Records activity at `now_ms` and makes a linked node the newest.
  void touch(IdleListNode* node, uint64_t now_ms) {
    node->last_active_ms = now_ms;
    if (node == newest_) return;
    unlink(node);
    node->older = newest_;
    node->newer = nullptr;
    newest_->newer = node;
    newest_ = node;
  }

  // Unlinks a node; does nothing for one not linked.
  void remove(IdleListNode* node) {
    if (!node->linked) return;
    unlink(node);
    node->newer = node->older = nullptr;
    node->linked = false;
    --size_;
  }

 private:
  void unlink(IdleListNode* node) {
    if (node->newer != nullptr) node->newer->older = node->older;
    else newest_ = node->older;
    if (node->older != nullptr) node->older->newer = node->newer;
    else oldest_ = node->newer;
  }

  IdleListNode* newest_ = nullptr;
  IdleListNode* oldest_ = nullptr;
  size_t size_ = 0;
};

}  // namespace fulcrum
