#include "test/support/http_admin.h"

#include <fmt/format.h>

namespace fulcrum::test {

bool waitForAdmin(uint16_t port, Millis timeout) {
  return eventually(timeout, [&] {
    const std::optional<HttpResponse> response = httpGet(port, "/healthz", Millis(1000));
    return response && response->status == 200;
  }, Millis(20));
}

int readyzStatus(uint16_t port) {
  const std::optional<HttpResponse> response = httpGet(port, "/readyz");
  return response ? response->status : 0;
}

std::optional<HttpResponse> adminCall(uint16_t port, std::string method, std::string target, std::string body,
                                      std::string token) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.body = std::move(body);
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  return httpRequest(port, request);
}

std::string backendPath(const std::string& pool, const std::string& address, const std::string& action) {
  return fmt::format("/api/v1/pools/{}/backends/{}/{}", percentEncode(pool), percentEncode(address), action);
}

}  // namespace fulcrum::test
