#pragma once
// Whether an address is reachable only from this host, for the start-up warning about
// an admin API exposed without a token.
#include "common/socket_address.h"

namespace fulcrum::admin {

// 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104 (RFC 1122 section 3.2.1.3, RFC 4291
// sections 2.5.3 and 2.5.5.2).
bool isLoopback(const SocketAddress& address);

}  // namespace fulcrum::admin
