#pragma once
// PROXY protocol headers, versions 1 (text) and 2 (binary), as specified in HAProxy's
// doc/proxy-protocol.txt ("The PROXY protocol", Willy Tarreau). A listener with
// `proxy_protocol = "v1"|"v2"` sends one header to the backend before any client byte,
// so the backend learns the client's address.
//
// The writers are pure and allocation-free (they run once per proxied connection); the
// parser exists for tests and the fuzz target, and is strict: anything the
// specification does not allow is rejected with a reason.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/socket_address.h"
#include "lb/config/config.h"

namespace fulcrum {

// The longest v1 line a receiver must accept, CRLF included (spec section 2.1, the
// "worst case" UNKNOWN line). Our writer never needs more than 104 (TCP6).
inline constexpr size_t kProxyV1MaxLength = 107;
// The v2 header for TCP over IPv6: 16 fixed bytes, two 16-byte addresses, two ports.
inline constexpr size_t kProxyV2MaxLength = 16 + 2 * 16 + 2 * 2;
// Enough for either version.
inline constexpr size_t kProxyHeaderMaxLength = kProxyV1MaxLength;

// Writes the v1 line for a TCP connection from `source` (the client's address) to
// `destination` (the listener's local address) into `out`, and returns its length; 0
// when `out` is shorter than kProxyV1MaxLength. Both IPv4: "PROXY TCP4 ...". Both IPv6:
// "PROXY TCP6 ...". One of each: TCP6, the IPv4 one as an IPv4-mapped IPv6 address.
// Any other family (or an empty address): "PROXY UNKNOWN\r\n".
size_t writeProxyV1(const SocketAddress& source, const SocketAddress& destination, std::span<char> out);

// Writes the v2 header (command PROXY, transport STREAM) and returns its length (28 for
// IPv4, 52 for IPv6); 0 when `out` is shorter than kProxyV2MaxLength. Families are
// chosen as for v1; an unsupported family gives family AF_UNSPEC with no address
// block (16 bytes), which the specification asks receivers to accept.
size_t writeProxyV2(const SocketAddress& source, const SocketAddress& destination, std::span<char> out);

// writeProxyV1 or writeProxyV2 by the listener's setting; 0 for kNone. `out` must hold
// kProxyHeaderMaxLength bytes.
size_t writeProxyHeader(config::ProxyProtocol version, const SocketAddress& source,
                        const SocketAddress& destination, std::span<char> out);

enum class ProxyParseStatus {
  kComplete,    // a whole valid header is at the start of the input
  kIncomplete,  // the input is a valid prefix of a header; read more
  kInvalid,     // the input can never become a valid header
};

struct ProxyHeader {
  int version = 0;              // 1 or 2
  bool local = false;           // v2 LOCAL command: the sender's own connection
  bool has_addresses = false;   // false for v1 UNKNOWN, v2 LOCAL, v2 UNSPEC and AF_UNIX
  bool datagram = false;        // v2 transport DGRAM (UDP) rather than STREAM
  SocketAddress source;         // set when has_addresses
  SocketAddress destination;    // set when has_addresses
  size_t length = 0;            // bytes of input the header occupies (v2: with its TLVs)
};

struct ProxyParseResult {
  ProxyParseStatus status = ProxyParseStatus::kInvalid;
  ProxyHeader header;            // meaningful when kComplete
  const char* error = nullptr;   // a static reason when kInvalid
};

// Decodes the v1 or v2 header at the start of `input` (which version is told by its
// first bytes). Bytes after the header are not looked at.
ProxyParseResult parseProxyHeader(std::span<const char> input);

}  // namespace fulcrum
