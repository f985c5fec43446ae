#pragma once
// Whether the pools behind the listeners can take traffic: one of the three conditions
// of GET /readyz (INTERFACE.md, "Admin API").
#include "lb/runtime/topology.h"

namespace fulcrum {

// True when at least one listener's current pool has an eligible backend (weight > 0,
// not draining, health up or not yet known; Backend::eligible()). False when no
// listener's pool has one, or there is no listener. Reads only atomics (the listener's
// pool pointer and each backend's state), so it is cheap enough to run on every probe.
bool anyListenerCanServe(const Topology& topology);

}  // namespace fulcrum
