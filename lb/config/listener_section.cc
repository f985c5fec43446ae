#include <strings.h>

#include <fmt/format.h>

#include "lb/config/sections.h"
#include "lb/config/tls_ciphers.h"

namespace fulcrum::config {
namespace {

constexpr int64_t kMaxRetries = 100;

// A string that must be present and non-empty (file paths, server names).
bool readNonEmpty(TableReader& reader, std::string_view key, std::string& out) {
  if (!reader.readString(key, out, Presence::kRequired)) return false;
  if (!out.empty()) return true;
  reader.sink().error(reader.position(key), fmt::format("\"{}\" must not be empty", reader.keyPath(key)));
  return false;
}

void readSni(TableReader& tls_reader, std::vector<TlsSniConfig>& sni) {
  std::vector<SourcePosition> name_positions;
  for (const IndexedTable& entry : tls_reader.readArrayOfTables("sni", Presence::kOptional)) {
    TableReader reader(*entry.table, entry.path, tls_reader.sink());
    TlsSniConfig config;
    const bool named = readNonEmpty(reader, "server_name", config.server_name);
    readNonEmpty(reader, "cert", config.cert);
    readNonEmpty(reader, "key", config.key);
    reader.reportUnknownKeys();
    if (named) {
      // Server names are DNS names, which compare case-insensitively (RFC 4343).
      for (size_t earlier = 0; earlier < sni.size(); ++earlier) {
        if (strcasecmp(sni[earlier].server_name.c_str(), config.server_name.c_str()) == 0) {
          reader.sink().error(
              reader.position("server_name"),
              fmt::format("\"{}\": duplicate server name \"{}\", first defined at line {}",
                          reader.keyPath("server_name"), config.server_name, name_positions[earlier].line));
          break;
        }
      }
    }
    name_positions.push_back(reader.position("server_name"));
    sni.push_back(std::move(config));
  }
}

void readTls(TableReader& reader, TlsConfig& tls) {
  readNonEmpty(reader, "cert", tls.cert);
  readNonEmpty(reader, "key", tls.key);
  reader.readDuration("handshake_timeout", tls.handshake_timeout, ZeroDuration::kRejected);
  reader.readChoice("min_version", tls.min_version, {"1.2", "1.3"});
  if (reader.readString("ciphers", tls.ciphers) && !tls.ciphers.empty()) {
    if (auto problem = checkCipherList(tls.ciphers)) {
      reader.sink().error(reader.position("ciphers"), fmt::format("\"{}\": {}", reader.keyPath("ciphers"), *problem));
    }
  }
  if (reader.readString("ciphersuites", tls.ciphersuites) && !tls.ciphersuites.empty()) {
    if (auto problem = checkCipherSuites(tls.ciphersuites)) {
      reader.sink().error(reader.position("ciphersuites"),
                          fmt::format("\"{}\": {}", reader.keyPath("ciphersuites"), *problem));
    }
  }
  readSni(reader, tls.sni);
  reader.reportUnknownKeys();
}

void readListener(TableReader& reader, ListenerConfig& listener, ListenerSource& where) {
  where.path = reader.path();
  where.name = reader.position("name");
  where.bind = reader.position("bind");
  where.pool = reader.position("pool");
  reader.readName("name", listener.name, Presence::kRequired);
  reader.readEndpoint("bind", listener.bind, Presence::kRequired);
  const bool protocol_valid =
      reader.readEnum("protocol", listener.protocol, {{"tcp", Protocol::kTcp}, {"udp", Protocol::kUdp}}) ||
      !reader.has("protocol");
  if (reader.readString("pool", listener.pool, Presence::kRequired) && listener.pool.empty()) {
    reader.sink().error(reader.position("pool"), fmt::format("\"{}\" must not be empty", reader.keyPath("pool")));
  }
  reader.readDuration("connect_timeout", listener.connect_timeout, ZeroDuration::kRejected);
  reader.readInteger("retries", listener.retries, 0, kMaxRetries);
  reader.readDuration("idle_timeout", listener.idle_timeout, ZeroDuration::kRejected);
  reader.readInteger("max_connections", listener.max_connections, 0);
  reader.readEnum("proxy_protocol", listener.proxy_protocol,
                  {{"none", ProxyProtocol::kNone}, {"v1", ProxyProtocol::kV1}, {"v2", ProxyProtocol::kV2}});
  reader.readInteger("max_sessions", listener.max_sessions, 1);
  reader.readBool("access_log", listener.access_log);
  if (const toml::table* tls_table = reader.readTable("tls")) {
    TableReader tls_reader(*tls_table, reader.keyPath("tls"), reader.sink());
    listener.tls.emplace();
    readTls(tls_reader, *listener.tls);
  }
  reader.reportUnknownKeys();

  // PROXY protocol headers and TLS both need a byte stream.
  if (protocol_valid && listener.protocol == Protocol::kUdp) {
    if (listener.proxy_protocol != ProxyProtocol::kNone) {
      reader.sink().error(reader.position("proxy_protocol"),
                          fmt::format("\"{}\" is only supported on tcp listeners", reader.keyPath("proxy_protocol")));
    }
    if (reader.has("tls")) {
      reader.sink().error(reader.position("tls"),
                          fmt::format("\"{}\" is only supported on tcp listeners", reader.keyPath("tls")));
    }
  }
}

}  // namespace

void readListeners(TableReader& root, std::vector<ListenerConfig>& listeners, SourceMap& where) {
  for (const IndexedTable& entry : root.readArrayOfTables("listeners", Presence::kOptional)) {
    TableReader reader(*entry.table, entry.path, root.sink());
    ListenerConfig listener;
    ListenerSource source;
    readListener(reader, listener, source);
    listeners.push_back(std::move(listener));
    where.listeners.push_back(std::move(source));
  }
}

}  // namespace fulcrum::config
