#pragma once
// Calls to fulcrum's admin API (INTERFACE.md, "Admin API") for integration tests.
#include <cstdint>
#include <optional>
#include <string>

#include "test/support/deadline.h"
#include "test/support/http_client.h"

namespace fulcrum::test {

// True once GET /healthz on 127.0.0.1:port answers 200. The admin API answers 503 until
// the workers run, so this is the point from which a test may drive it.
bool waitForAdmin(uint16_t port, Millis timeout);

// The status of GET /readyz on 127.0.0.1:port; 0 when there is no answer.
int readyzStatus(uint16_t port);

// `method target` with `body`, and "Authorization: Bearer TOKEN" when token is not empty.
std::optional<HttpResponse> adminCall(uint16_t port, std::string method, std::string target, std::string body = "",
                                      std::string token = "");

// The path of a backend operation: /api/v1/pools/{pool}/backends/{address}/{action}
// with both names percent-encoded.
std::string backendPath(const std::string& pool, const std::string& address, const std::string& action);

}  // namespace fulcrum::test
