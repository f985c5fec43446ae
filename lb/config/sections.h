#pragma once
// Readers for the sections of the config file (INTERFACE.md, "Config file"), and the
// checks that span sections. Each fills typed structs and reports problems to the
// reader's sink; none stops at the first problem.
#include <string>
#include <vector>

#include "lb/config/config.h"
#include "lb/config/diagnostic_sink.h"
#include "lb/config/table_reader.h"

namespace fulcrum::config {

// Where the values that cross-section checks look at were written.
struct ListenerSource {
  std::string path;  // "listeners[2]"
  SourcePosition name;
  SourcePosition bind;
  SourcePosition pool;
};

struct BackendSource {
  std::string path;  // "pools[0].backends[1]"
  SourcePosition address;
};

struct PoolSource {
  std::string path;  // "pools[0]"
  SourcePosition name;
  std::vector<BackendSource> backends;  // parallel to PoolConfig::backends
};

struct SourceMap {
  SourcePosition admin_bind;
  std::vector<ListenerSource> listeners;  // parallel to Config::listeners
  std::vector<PoolSource> pools;          // parallel to Config::pools
};

// [runtime]
void readRuntime(TableReader& root, RuntimeConfig& runtime);
// [admin]; a missing table leaves the admin API disabled.
void readAdmin(TableReader& root, AdminConfig& admin, SourceMap& where);
// [[listeners]], including [listeners.tls] and [[listeners.tls.sni]].
void readListeners(TableReader& root, std::vector<ListenerConfig>& listeners, SourceMap& where);
// [[pools]], including [pools.health_check] and [[pools.backends]].
void readPools(TableReader& root, std::vector<PoolConfig>& pools, SourceMap& where);

// Names that must be unique, references between sections, addresses bound twice.
void checkCrossReferences(const Config& config, const SourceMap& where, DiagnosticSink& sink);

}  // namespace fulcrum::config
