#include "lb/config/sections.h"

namespace fulcrum::config {

namespace {
constexpr int64_t kMaxWorkers = 1024;
}  // namespace

void readRuntime(TableReader& root, RuntimeConfig& runtime) {
  const toml::table* table = root.readTable("runtime");
  if (table == nullptr) return;
  TableReader reader(*table, root.keyPath("runtime"), root.sink());
  reader.readInteger("workers", runtime.workers, 0, kMaxWorkers);
  reader.readDuration("shutdown_grace", runtime.shutdown_grace, ZeroDuration::kAllowed);
  reader.readChoice("log_format", runtime.log_format, {"text", "json"});
  reader.readString("user", runtime.user);
  reader.readDuration("withdraw_delay", runtime.withdraw_delay, ZeroDuration::kAllowed);
  reader.reportUnknownKeys();
}

void readAdmin(TableReader& root, AdminConfig& admin, SourceMap& where) {
  const toml::table* table = root.readTable("admin");
  if (table == nullptr) return;
  TableReader reader(*table, root.keyPath("admin"), root.sink());
  admin.enabled = true;
  where.admin_bind = reader.position("bind");
  reader.readEndpoint("bind", admin.bind, Presence::kRequired);
  reader.readString("token", admin.token);
  reader.reportUnknownKeys();
}

}  // namespace fulcrum::config
