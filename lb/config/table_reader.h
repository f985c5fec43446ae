#pragma once
// Reads the keys of one TOML table into typed fields. Every problem (wrong type, value
// out of range, missing required key, unknown key) becomes a diagnostic naming the key's
// full path, e.g. "listeners[0].bind"; reading goes on after a problem so that one pass
// reports all of them.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "common/duration.h"
#include "lb/config/config.h"
#include "lb/config/diagnostic_sink.h"

namespace fulcrum::config {

enum class Presence { kOptional, kRequired };
enum class ZeroDuration { kAllowed, kRejected };

template <typename Enum>
struct EnumName {
  std::string_view name;
  Enum value;
};

// A table inside an array of tables, with its path ("pools[1].backends[0]").
struct IndexedTable {
  std::string path;
  const toml::table* table;
};

// Receives the full path of every key any TableReader looks up (whether present or not),
// e.g. "listeners[0].tls.cert": how the test of README's configuration reference learns
// every key the loader accepts. Null (the default) outside that test; not thread-safe.
using KeyObserver = void (*)(const std::string& key_path, void* context);
void setKeyObserver(KeyObserver observer, void* context);

class TableReader {
 public:
  // `path` is the table's own path; empty for the document root.
  TableReader(const toml::table& table, std::string path, DiagnosticSink& sink)
      : table_(table), path_(std::move(path)), sink_(sink) {}

  const toml::table& table() const { return table_; }
  const std::string& path() const { return path_; }
  std::string keyPath(std::string_view key) const;
  DiagnosticSink& sink() { return sink_; }
  SourcePosition position() const { return positionOf(table_); }
  // The value's position, or the table's when the key is absent.
  SourcePosition position(std::string_view key) const;
  bool has(std::string_view key) const { return table_.contains(key); }

  // Each read* call marks `key` as known. When the key is absent `out` keeps its default
  // (and a required key is reported missing); when the value is invalid it is reported
  // and `out` is left unchanged. Returns true when the key was present and valid.
  bool readString(std::string_view key, std::string& out, Presence presence = Presence::kOptional);
  // A non-empty string of letters, digits, '_', '-' and '.': names appear in API URLs
  // and metric labels.
  bool readName(std::string_view key, std::string& out, Presence presence);
  bool readBool(std::string_view key, bool& out);
  bool readDuration(std::string_view key, Duration& out, ZeroDuration zero);
  // "HOST:PORT" / "[V6]:PORT" with port 1..65535; DNS names are resolved here.
  bool readEndpoint(std::string_view key, Endpoint& out, Presence presence);
  bool readChoice(std::string_view key, std::string& out, std::initializer_list<std::string_view> choices);

  template <typename Int>
  bool readInteger(std::string_view key, Int& out, int64_t min,
                   int64_t max = static_cast<int64_t>(std::min<uint64_t>(std::numeric_limits<Int>::max(),
                                                                         std::numeric_limits<int64_t>::max()))) {
    int64_t value = 0;
    if (!readInt64(key, value, min, max)) return false;
    out = static_cast<Int>(value);
    return true;
  }

  template <typename Enum>
  bool readEnum(std::string_view key, Enum& out, std::initializer_list<EnumName<Enum>> names) {
    std::vector<std::string_view> choices;
    for (const EnumName<Enum>& entry : names) choices.push_back(entry.name);
    std::string chosen;
    if (!readChoiceFrom(key, chosen, choices)) return false;
    for (const EnumName<Enum>& entry : names) {
      if (entry.name == chosen) out = entry.value;
    }
    return true;
  }

  // A sub-table; nullptr when absent (reported when required) or not a table.
  const toml::table* readTable(std::string_view key, Presence presence = Presence::kOptional);
  // The tables of an array of tables; elements that are not tables are reported and
  // skipped. `present` (optional) tells whether the key exists with the right type.
  std::vector<IndexedTable> readArrayOfTables(std::string_view key, Presence presence, bool* present = nullptr);

  // Reports every key of the table that no read* call asked for.
  void reportUnknownKeys();

 private:
  const toml::node* find(std::string_view key);
  bool readInt64(std::string_view key, int64_t& out, int64_t min, int64_t max);
  bool readChoiceFrom(std::string_view key, std::string& out, const std::vector<std::string_view>& choices);
  void reportMissing(std::string_view key);
  void reportWrongType(std::string_view key, std::string_view expected);

  const toml::table& table_;
  std::string path_;
  DiagnosticSink& sink_;
  std::vector<std::string> known_keys_;
};

}  // namespace fulcrum::config
