#pragma once
// One HTTP/1.1 request to fulcrum's admin API per call, through civetweb's client API
// (mg_connect_client / mg_get_response, civetweb.h).
#include <optional>
#include <string>

#include "ctl/admin_target.h"

namespace fulcrum::ctl {

struct ApiAnswer {
  int status = 0;
  std::string body;
};

class AdminClient {
 public:
  explicit AdminClient(AdminTarget target) : target_(std::move(target)) {}

  // `method path` with `body` (JSON when not empty) and the bearer token when there is
  // one. nullopt, with *error set, when the API cannot be reached or does not answer
  // within `timeout_ms`.
  std::optional<ApiAnswer> call(const std::string& method, const std::string& path, const std::string& body,
                                int timeout_ms, std::string* error) const;

  const AdminTarget& target() const { return target_; }

 private:
  AdminTarget target_;
};

// `segment` percent-encoded for one path segment: every byte but RFC 3986's unreserved
// characters (section 2.3), so "[::1]:80" becomes "%5B%3A%3A1%5D%3A80".
std::string encodePathSegment(const std::string& segment);

}  // namespace fulcrum::ctl
