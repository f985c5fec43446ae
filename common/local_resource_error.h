#pragma once
// Errors that say this host ran out of something (descriptors, memory, local ports)
// rather than anything about the peer. A connect that fails with one of them is no
// evidence against the backend: it must not count as a failed connect or health check,
// or descriptor exhaustion would mark every healthy backend down.
#include <uv.h>

namespace fulcrum {

constexpr bool isLocalResourceError(int uv_error) {
  return uv_error == UV_EMFILE || uv_error == UV_ENFILE || uv_error == UV_ENOBUFS || uv_error == UV_ENOMEM ||
         uv_error == UV_EADDRNOTAVAIL;  // connect(2): no free local port
}

}  // namespace fulcrum
