// Kept apart from uv.h: <linux/tcp.h> has the full tcp_info (glibc's <netinet/tcp.h>
// lacks the byte counters) and the two headers clash.
#include "lb/proxy/socket_byte_counts.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>

namespace fulcrum {

SocketByteCounts socketByteCounts(int fd) {
  tcp_info info{};
  socklen_t length = sizeof(info);
  if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return {};
  // Older kernels return a shorter struct: the counters are valid only when included.
  if (length < offsetof(tcp_info, tcpi_bytes_received) + sizeof(info.tcpi_bytes_received)) return {};
  return SocketByteCounts{info.tcpi_bytes_received, info.tcpi_bytes_acked};
}

}  // namespace fulcrum
