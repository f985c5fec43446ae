#include "ctl/admin_client.h"

#include <civetweb.h>

#include <memory>

#include <fmt/format.h>

namespace fulcrum::ctl {
namespace {

struct ConnectionCloser {
  void operator()(mg_connection* connection) const { mg_close_connection(connection); }
};
using Connection = std::unique_ptr<mg_connection, ConnectionCloser>;

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string requestHead(const std::string& method, const std::string& path, const AdminTarget& target,
                        size_t body_size) {
  std::string head = fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", method, path,
                                 target.display);
  if (!target.token.empty()) head += fmt::format("Authorization: Bearer {}\r\n", target.token);
  if (body_size > 0) head += "Content-Type: application/json\r\n";
  head += fmt::format("Content-Length: {}\r\n\r\n", body_size);
  return head;
}

bool writeAll(mg_connection* connection, const std::string& data) {
  return data.empty() || mg_write(connection, data.data(), data.size()) == static_cast<int>(data.size());
}

}  // namespace

std::optional<ApiAnswer> AdminClient::call(const std::string& method, const std::string& path,
                                           const std::string& body, int timeout_ms, std::string* error) const {
  char message[256] = "";
  Connection connection(mg_connect_client(target_.host.c_str(), target_.port, 0, message, sizeof(message)));
  if (!connection) {
    *error = fmt::format("cannot connect to the admin API at {}: {}", target_.display, message);
    return std::nullopt;
  }
  if (!writeAll(connection.get(), requestHead(method, path, target_, body.size())) ||
      !writeAll(connection.get(), body)) {
    *error = fmt::format("cannot send the request to the admin API at {}", target_.display);
    return std::nullopt;
  }
  if (mg_get_response(connection.get(), message, sizeof(message), timeout_ms) < 0) {
    *error = fmt::format("no answer from the admin API at {}: {}", target_.display,
                         message[0] != '\0' ? message : "timed out");
    return std::nullopt;
  }
  ApiAnswer answer;
  answer.status = mg_get_response_info(connection.get())->status_code;
  char chunk[8192];
  while (true) {
    const int read = mg_read(connection.get(), chunk, sizeof(chunk));
    if (read <= 0) break;
    answer.body.append(chunk, static_cast<size_t>(read));
  }
  return answer;
}

std::string encodePathSegment(const std::string& segment) {
  std::string encoded;
  for (const char c : segment) {
    const auto byte = static_cast<unsigned char>(c);
    if (isUnreserved(byte)) {
      encoded += c;
    } else {
      encoded += fmt::format("%{:02X}", byte);
    }
  }
  return encoded;
}

}  // namespace fulcrum::ctl
