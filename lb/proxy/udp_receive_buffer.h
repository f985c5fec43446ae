#pragma once
// The one receive buffer a worker's UDP sockets share. libuv hands a UDP socket's
// datagrams to the read callback synchronously. A reply is copied into the listener's
// UdpReplyBatch there; client datagrams stay where they are and are sent toward their
// backends before libuv asks for the buffer again (UdpListener's alloc callback
// flushes them). So no datagram outlives the buffer's next use, and one buffer serves
// every listener and session socket of the worker: no allocation per datagram.
//
// Size: with UV_UDP_RECVMMSG, libuv 1.44 cuts the buffer into 64 KiB slots, one
// datagram each, and reads up to min(slots, 20) datagrams per recvmmsg(2) call
// (src/unix/udp.c, uv__udp_recvmmsg). 64 KiB holds the largest UDP payload (65,507 bytes
// over IPv4, 65,527 over IPv6), so nothing is truncated.
#include <uv.h>

#include <cstddef>
#include <memory>

namespace fulcrum {

class UdpReceiveBuffer {
 public:
  static constexpr size_t kSlotBytes = 64 * 1024;
  static constexpr size_t kSlots = 16;

  // The whole buffer, for a libuv alloc callback. Allocated on first use (a worker
  // without UDP listeners never pays for it) and left uninitialised, so only the pages
  // datagrams were written to become resident.
  uv_buf_t get() {
    if (!storage_) storage_.reset(new char[kSlotBytes * kSlots]);
    return uv_buf_init(storage_.get(), static_cast<unsigned>(kSlotBytes * kSlots));
  }

 private:
  std::unique_ptr<char[]> storage_;
};

}  // namespace fulcrum
