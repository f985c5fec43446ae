#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "lb/config/prime.h"
#include "lb/config/sections.h"

namespace fulcrum::config {
namespace {

constexpr int64_t kMaxWeight = 1000;
// Maglev builds tables of this size per pool on every update; 2^24 entries is already
// far beyond what 100 slots per backend asks for with any realistic pool.
constexpr int64_t kTableSizeLimit = int64_t{1} << 24;
// Maglev's paper keeps the table at least 100 times the backend count so that each
// backend's share of slots stays within about 1% of its due (NSDI 2016, section 3.4).
constexpr int64_t kTableSlotsPerBackend = 100;
constexpr int64_t kMinHttpStatus = 100;
constexpr int64_t kMaxHttpStatus = 599;
constexpr int64_t kMaxPort = 65535;

// An HTTP request target that we can put into a request line as it is.
bool isRequestPath(const std::string& path) {
  if (path.empty() || path.front() != '/') return false;
  return std::none_of(path.begin(), path.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
}

void readHealthCheck(TableReader& reader, HealthCheckConfig& check) {
  // The table exists, so the pool is checked; "tcp" unless it says otherwise.
  check.type = HealthCheckType::kTcp;
  reader.readEnum("type", check.type,
                  {{"tcp", HealthCheckType::kTcp}, {"http", HealthCheckType::kHttp}, {"none", HealthCheckType::kNone}});
  reader.readDuration("interval", check.interval, ZeroDuration::kRejected);
  reader.readDuration("timeout", check.timeout, ZeroDuration::kRejected);
  reader.readInteger("rise", check.rise, 1);
  reader.readInteger("fall", check.fall, 1);
  std::string path;
  if (reader.readString("path", path)) {
    if (isRequestPath(path)) {
      check.path = path;
    } else {
      reader.sink().error(
          reader.position("path"),
          fmt::format("\"{}\" must start with \"/\" and contain no spaces or control characters, got \"{}\"",
                      reader.keyPath("path"), path));
    }
  }
  reader.readInteger("expect_status", check.expect_status, kMinHttpStatus, kMaxHttpStatus);
  uint16_t port = 0;
  if (reader.readInteger("port", port, 1, kMaxPort)) check.port = port;
  reader.reportUnknownKeys();
}

void readBackend(TableReader& reader, BackendConfig& backend, BackendSource& where) {
  where.path = reader.path();
  where.address = reader.position("address");
  reader.readEndpoint("address", backend.address, Presence::kRequired);
  reader.readInteger("weight", backend.weight, 0, kMaxWeight);
  reader.reportUnknownKeys();
}

// table_size: a prime (Maglev's permutations need it), below kTableSizeLimit, and for
// consistent_hash pools at least kTableSlotsPerBackend slots per backend.
void readTableSize(TableReader& reader, PoolConfig& pool, size_t backend_count) {
  int64_t size = pool.table_size;
  const bool given = reader.readInteger("table_size", size, std::numeric_limits<int64_t>::min());
  if (given) {
    if (size >= kTableSizeLimit) {
      reader.sink().error(
          reader.position("table_size"),
          fmt::format("\"{}\" must be less than {}, got {}", reader.keyPath("table_size"), kTableSizeLimit, size));
      return;
    }
    if (size < 0 || !isPrime(static_cast<uint64_t>(size))) {
      reader.sink().error(reader.position("table_size"),
                          fmt::format("\"{}\" must be a prime number, got {}", reader.keyPath("table_size"), size));
      return;
    }
    pool.table_size = static_cast<uint32_t>(size);
  } else if (reader.has("table_size")) {
    return;  // wrong type, already reported
  }
  const int64_t minimum = kTableSlotsPerBackend * static_cast<int64_t>(backend_count);
  if (pool.balance == BalanceAlgorithm::kConsistentHash && pool.table_size < minimum) {
    reader.sink().error(reader.position("table_size"),
                        fmt::format("\"{}\" must be at least {} times the number of backends ({} for {} backends), "
                                    "got {}{}",
                                    reader.keyPath("table_size"), kTableSlotsPerBackend, minimum, backend_count,
                                    given ? "" : "the default ", pool.table_size));
  }
}

void readPool(TableReader& reader, PoolConfig& pool, PoolSource& where) {
  where.path = reader.path();
  where.name = reader.position("name");
  reader.readName("name", pool.name, Presence::kRequired);
  reader.readEnum("balance", pool.balance,
                  {{"round_robin", BalanceAlgorithm::kRoundRobin},
                   {"least_connections", BalanceAlgorithm::kLeastConnections},
                   {"consistent_hash", BalanceAlgorithm::kConsistentHash}});
  reader.readEnum("hash_key", pool.hash_key,
                  {{"source_ip", HashKey::kSourceIp}, {"source_ip_port", HashKey::kSourceIpPort}});
  reader.readDuration("drain_timeout", pool.drain_timeout, ZeroDuration::kAllowed);
  if (const toml::table* check_table = reader.readTable("health_check")) {
    TableReader check_reader(*check_table, reader.keyPath("health_check"), reader.sink());
    readHealthCheck(check_reader, pool.health_check);
  }
  bool backends_present = false;
  const std::vector<IndexedTable> backend_tables =
      reader.readArrayOfTables("backends", Presence::kRequired, &backends_present);
  if (backends_present && reader.table().get_as<toml::array>("backends")->empty()) {
    reader.sink().error(
        reader.position("backends"),
        fmt::format("\"{}\" must not be empty: pool \"{}\" has no backends", reader.keyPath("backends"), pool.name));
  }
  for (const IndexedTable& entry : backend_tables) {
    TableReader backend_reader(*entry.table, entry.path, reader.sink());
    BackendConfig backend;
    BackendSource source;
    readBackend(backend_reader, backend, source);
    pool.backends.push_back(std::move(backend));
    where.backends.push_back(std::move(source));
  }
  readTableSize(reader, pool, backend_tables.size());
  reader.reportUnknownKeys();
}

}  // namespace

void readPools(TableReader& root, std::vector<PoolConfig>& pools, SourceMap& where) {
  for (const IndexedTable& entry : root.readArrayOfTables("pools", Presence::kOptional)) {
    TableReader reader(*entry.table, entry.path, root.sink());
    PoolConfig pool;
    PoolSource source;
    readPool(reader, pool, source);
    pools.push_back(std::move(pool));
    where.pools.push_back(std::move(source));
  }
}

}  // namespace fulcrum::config
