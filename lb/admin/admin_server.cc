#include "lb/admin/admin_server.h"

#include <CivetServer.h>
#include <sys/socket.h>

#include <atomic>
#include <string>
#include <vector>

#include "common/log.h"
#include "lb/admin/loopback.h"

namespace fulcrum::admin {
namespace {

// civetweb's own threads answer requests, one connection each: four are plenty for
// scrapes and operator calls, and bound what admin traffic can take from the workers.
constexpr const char* kThreads = "4";
// A client that sends nothing for this long mid-request loses its thread.
constexpr const char* kRequestTimeoutMs = "5000";
// mg_check_feature(): whether civetweb was built with IPv6 (civetweb.h documents the bits).
constexpr unsigned kCivetFeatureIpv6 = 8;

// Whether the request has a body (RFC 9112, section 6.3: only Content-Length or
// Transfer-Encoding announce one).
bool hasBody(mg_connection* connection) {
  return CivetServer::getHeader(connection, "Content-Length") != nullptr ||
         CivetServer::getHeader(connection, "Transfer-Encoding") != nullptr;
}

// Reads the body into *body. False when it is larger than Api::kMaxBodyBytes: then
// reading stops (civetweb discards the rest when it closes the connection).
bool readBody(mg_connection* connection, std::string* body) {
  if (!hasBody(connection)) return true;
  const long long announced = mg_get_request_info(connection)->content_length;
  if (announced > static_cast<long long>(Api::kMaxBodyBytes)) return false;
  char chunk[8192];
  while (true) {
    const int read = mg_read(connection, chunk, sizeof(chunk));
    if (read <= 0) return true;
    body->append(chunk, static_cast<size_t>(read));
    if (body->size() > Api::kMaxBodyBytes) return false;
  }
}

void writeResponse(mg_connection* connection, const Response& response, bool head_only) {
  mg_response_header_start(connection, response.status);
  mg_response_header_add(connection, "Content-Type", response.content_type.c_str(), -1);
  mg_response_header_add(connection, "Content-Length", std::to_string(response.body.size()).c_str(), -1);
  mg_response_header_add(connection, "Cache-Control", "no-store", -1);
  for (const auto& [name, value] : response.headers) {
    mg_response_header_add(connection, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(connection);
  if (!head_only && !response.body.empty()) mg_write(connection, response.body.data(), response.body.size());
}

int logCivetMessage(const mg_connection* /*connection*/, const char* message) {
  log::warn("admin: {}", message);
  return 1;  // handled: civetweb writes no log of its own
}

}  // namespace

// Every method of every path goes through one handler, so that civetweb's default
// answers (HTML error pages, file serving) never show.
class AdminServer::Handler final : public CivetHandler {
 public:
  void setApi(std::unique_ptr<Api> api) {
    owned_api_ = std::move(api);
    api_.store(owned_api_.get(), std::memory_order_release);
  }

  bool handleGet(CivetServer*, mg_connection* connection) override { return serve(connection); }
  bool handleHead(CivetServer*, mg_connection* connection) override { return serve(connection); }
  bool handlePost(CivetServer*, mg_connection* connection) override { return serve(connection); }
  bool handlePut(CivetServer*, mg_connection* connection) override { return serve(connection); }
  bool handleDelete(CivetServer*, mg_connection* connection) override { return serve(connection); }
  bool handleOptions(CivetServer*, mg_connection* connection) override { return serve(connection); }
  bool handlePatch(CivetServer*, mg_connection* connection) override { return serve(connection); }

 private:
  // Exceptions must not cross into civetweb's C code.
  bool serve(mg_connection* connection) noexcept {
    try {
      const mg_request_info* info = mg_get_request_info(connection);
      const std::string_view method = info->request_method != nullptr ? info->request_method : "";
      const Api* api = api_.load(std::memory_order_acquire);
      if (api == nullptr) {
        Response starting;
        starting.status = 503;
        starting.body = R"({"error":"fulcrum is starting"})";
        writeResponse(connection, starting, method == "HEAD");
        return true;
      }
      std::string body;
      Request request;
      request.method = method;
      // local_uri_raw: the path as received (decode_url is off), NULL for a request
      // target addressed at another host.
      request.path = info->local_uri_raw != nullptr ? info->local_uri_raw : "";
      const char* authorization = CivetServer::getHeader(connection, "Authorization");
      request.authorization = authorization != nullptr ? authorization : "";
      request.body_too_large = !readBody(connection, &body);
      request.body = body;
      writeResponse(connection, api->handle(request), method == "HEAD");
    } catch (const std::exception& error) {
      log::error("admin: request failed: {}", error.what());
    } catch (...) {
      log::error("admin: request failed");
    }
    return true;
  }

  std::unique_ptr<Api> owned_api_;
  std::atomic<const Api*> api_{nullptr};
};

AdminServer::AdminServer(const config::AdminConfig& config)
    : config_(config), handler_(std::make_unique<Handler>()) {}

AdminServer::~AdminServer() {
  // Stop civetweb (joining its threads) before the handler it calls goes away.
  civet_.reset();
}

std::unique_ptr<AdminServer> AdminServer::listen(const config::AdminConfig& config) {
  const std::string bind = config.bind.address.toString();
  if (config.bind.address.family() == AF_INET6 && mg_check_feature(kCivetFeatureIpv6) == 0) {
    log::error("admin: cannot listen on {} ({}): the civetweb library of this build has no IPv6 support; "
               "bind the admin API to an IPv4 address such as 127.0.0.1",
               config.bind.text, bind);
    return nullptr;
  }
  std::unique_ptr<AdminServer> server(new AdminServer(config));
  const std::vector<std::string> options = {
      "listening_ports", bind,  //
      "num_threads", kThreads,  //
      "request_timeout_ms", kRequestTimeoutMs,
      // The Api decodes path segments itself, so that an escaped "/" stays inside one.
      "decode_url", "no",  //
      "enable_keep_alive", "no",
  };
  CivetCallbacks callbacks;
  callbacks.log_message = logCivetMessage;
  try {
    server->civet_ = std::make_unique<CivetServer>(options, &callbacks);
  } catch (const CivetException& error) {
    log::error("admin: cannot listen on {} ({}): {}", config.bind.text, bind, error.what());
    return nullptr;
  }
  // The catch-all handler answers 503 until serve() installs the Api.
  server->civet_->addHandler("/", server->handler_.get());
  if (config.token.empty() && !isLoopback(config.bind.address)) {
    log::warn("admin: listening on {} without a token: anyone who can reach it can drain backends and "
              "switch pools; set admin.token or bind to a loopback address",
              config.bind.text);
  }
  log::info("admin: listening on {}", bind);
  return server;
}

void AdminServer::serve(Control& control) { handler_->setApi(std::make_unique<Api>(control, config_.token)); }

}  // namespace fulcrum::admin
