#include "ctl/admin_target.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include "lb/config/diagnostic_sink.h"
#include "lb/config/sections.h"
#include "lb/config/table_reader.h"

namespace fulcrum::ctl {
namespace {

// A wildcard bind accepts on every address; the loopback one reaches it from here.
std::string connectableHost(const std::string& host) {
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

std::string displayed(const std::string& host, uint16_t port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

// The [admin] table of the file at `path`, read with fulcrum's own config reader.
std::optional<config::AdminConfig> readAdminTable(const std::string& path, std::vector<std::string>* errors) {
  toml::table document;
  try {
    document = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    errors->push_back(config::Diagnostic{path, begin.line, begin.column, std::string(error.description())}.format());
    return std::nullopt;
  }
  config::DiagnosticSink sink(path);
  config::TableReader root(document, "", sink);
  config::SourceMap where;
  config::AdminConfig admin;
  config::readAdmin(root, admin, where);
  if (!sink.empty()) {
    for (const config::Diagnostic& diagnostic : sink.take()) errors->push_back(diagnostic.format());
    return std::nullopt;
  }
  return admin;
}

}  // namespace

std::optional<AdminTarget> resolveAdminTarget(const CommandLine& line, std::vector<std::string>* errors) {
  AdminTarget target;
  std::optional<HostPort> endpoint;
  if (line.config_path) {
    const std::optional<config::AdminConfig> admin = readAdminTable(*line.config_path, errors);
    if (!admin) return std::nullopt;
    if (admin->enabled) {
      endpoint = admin->bind.host_port;
      target.token = admin->token;
    } else if (!line.admin) {
      errors->push_back(fmt::format("{} has no [admin] table, so fulcrum runs without an admin API; add one "
                                    "(and restart fulcrum) or pass --admin HOST:PORT",
                                    *line.config_path));
      return std::nullopt;
    }
  }
  if (line.admin) {
    endpoint = parseHostPort(*line.admin);
    if (!endpoint) {
      errors->push_back(fmt::format("--admin \"{}\": expected HOST:PORT, e.g. 127.0.0.1:9901", *line.admin));
      return std::nullopt;
    }
  }
  if (line.token) target.token = *line.token;
  target.host = connectableHost(endpoint->host);
  target.port = endpoint->port;
  target.display = displayed(target.host, target.port);
  return target;
}

}  // namespace fulcrum::ctl
