// IdleList: UDP sessions ordered by their last datagram, oldest expiring first.
#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "lb/proxy/udp_idle_list.h"

namespace fulcrum {
namespace {

// Node addresses from oldest to newest.
std::vector<const IdleListNode*> oldestFirst(const IdleList& list) {
  std::vector<const IdleListNode*> order;
  for (const IdleListNode* node = list.oldest(); node != nullptr; node = node->newer) order.push_back(node);
  return order;
}

TEST_CASE("idle list: nodes are kept in the order of their last activity", "[udp]") {
  std::array<IdleListNode, 3> nodes;
  IdleList list;
  CHECK(list.empty());
  list.pushNewest(&nodes[0], 10);
  list.pushNewest(&nodes[1], 20);
  list.pushNewest(&nodes[2], 30);
  CHECK(list.size() == 3);
  CHECK(oldestFirst(list) == std::vector<const IdleListNode*>{&nodes[0], &nodes[1], &nodes[2]});
  CHECK(list.newest() == &nodes[2]);
  CHECK(list.oldest()->last_active_ms == 10);
}

TEST_CASE("idle list: touch makes a node the newest and stamps it", "[udp]") {
  std::array<IdleListNode, 3> nodes;
  IdleList list;
  for (auto& node : nodes) list.pushNewest(&node, 1);
  list.touch(&nodes[0], 50);  // oldest -> newest
  CHECK(oldestFirst(list) == std::vector<const IdleListNode*>{&nodes[1], &nodes[2], &nodes[0]});
  CHECK(nodes[0].last_active_ms == 50);
  list.touch(&nodes[2], 60);  // middle -> newest
  CHECK(oldestFirst(list) == std::vector<const IdleListNode*>{&nodes[1], &nodes[0], &nodes[2]});
  list.touch(&nodes[2], 70);  // already newest: only the stamp changes
  CHECK(oldestFirst(list) == std::vector<const IdleListNode*>{&nodes[1], &nodes[0], &nodes[2]});
  CHECK(nodes[2].last_active_ms == 70);
  CHECK(list.size() == 3);
}

TEST_CASE("idle list: remove unlinks from either end or the middle", "[udp]") {
  std::array<IdleListNode, 4> nodes;
  IdleList list;
  for (auto& node : nodes) list.pushNewest(&node, 1);
  list.remove(&nodes[1]);
  CHECK(oldestFirst(list) == std::vector<const IdleListNode*>{&nodes[0], &nodes[2], &nodes[3]});
  list.remove(&nodes[0]);
  CHECK(list.oldest() == &nodes[2]);
  list.remove(&nodes[3]);
  CHECK(list.newest() == &nodes[2]);
  CHECK(list.size() == 1);
  list.remove(&nodes[3]);  // not linked any more: nothing happens
  CHECK(list.size() == 1);
  list.remove(&nodes[2]);
  CHECK(list.empty());
  CHECK(list.oldest() == nullptr);
  CHECK_FALSE(nodes[2].linked);
}

TEST_CASE("idle list: expiring from the old end stops at the first node still active", "[udp]") {
  std::array<IdleListNode, 5> nodes;
  IdleList list;
  for (size_t i = 0; i < nodes.size(); ++i) list.pushNewest(&nodes[i], 100 * i);
  list.touch(&nodes[0], 1000);
  const uint64_t now = 1050;
  const uint64_t idle = 800;  // nodes 1 (100) and 2 (200) are due; 3 (300) is not
  size_t expired = 0;
  while (!list.empty() && now - list.oldest()->last_active_ms >= idle) {
    list.remove(list.oldest());
    ++expired;
  }
  CHECK(expired == 2);
  CHECK(oldestFirst(list) == std::vector<const IdleListNode*>{&nodes[3], &nodes[4], &nodes[0]});
}

}  // namespace
}  // namespace fulcrum
