#include "lb/config/table_reader.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

namespace fulcrum::config {
namespace {

std::string quotedList(const std::vector<std::string_view>& choices) {
  std::string text;
  for (std::string_view choice : choices) {
    if (!text.empty()) text += ", ";
    text += fmt::format("\"{}\"", choice);
  }
  return text;
}

// The TOML header that would open the table at `path`: "pools[0].backends" -> "pools.backends".
std::string tomlHeaderPath(std::string_view path) {
  std::string header;
  bool in_index = false;
  for (char c : path) {
    if (c == '[') in_index = true;
    if (!in_index) header += c;
    if (c == ']') in_index = false;
  }
  return header;
}

// Levenshtein distance, for suggesting the key a typo meant.
size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// The closest known key, when it is close enough to be what the user meant.
std::optional<std::string_view> closestKey(std::string_view typo, const std::vector<std::string>& known) {
  constexpr size_t kMaxDistance = 2;
  std::optional<std::string_view> best;
  size_t best_distance = kMaxDistance + 1;
  for (const std::string& candidate : known) {
    const size_t distance = editDistance(typo, candidate);
    // A short key is not "close" to every other short key.
    if (distance < best_distance && distance * 2 < candidate.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

bool isNameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

}  // namespace

std::string TableReader::keyPath(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return fmt::format("{}.{}", path_, key);
}

SourcePosition TableReader::position(std::string_view key) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return position();
  const SourcePosition where = positionOf(*node);
  // Tables that only exist implicitly (through dotted keys) may carry no position.
  return where.line == 0 ? position() : where;
}

namespace {
KeyObserver key_observer = nullptr;
void* key_observer_context = nullptr;
}  // namespace

void setKeyObserver(KeyObserver observer, void* context) {
  key_observer = observer;
  key_observer_context = context;
}

const toml::node* TableReader::find(std::string_view key) {
  if (key_observer != nullptr) key_observer(keyPath(key), key_observer_context);
  if (std::find(known_keys_.begin(), known_keys_.end(), key) == known_keys_.end()) known_keys_.emplace_back(key);
  return table_.get(key);
}

void TableReader::reportMissing(std::string_view key) {
  sink_.error(position(), fmt::format("missing required key \"{}\"", keyPath(key)));
}

void TableReader::reportWrongType(std::string_view key, std::string_view expected) {
  sink_.error(position(key), fmt::format("\"{}\" must be {}", keyPath(key), expected));
}

bool TableReader::readString(std::string_view key, std::string& out, Presence presence) {
  const toml::node* node = find(key);
  if (node == nullptr) {
    if (presence == Presence::kRequired) reportMissing(key);
    return false;
  }
  const auto* value = node->as_string();
  if (value == nullptr) {
    reportWrongType(key, "a string");
    return false;
  }
  out = value->get();
  return true;
}

bool TableReader::readName(std::string_view key, std::string& out, Presence presence) {
  std::string name;
  if (!readString(key, name, presence)) return false;
  // Keep the name even when it is invalid, so that later cross-references to it do not
  // report a second, misleading problem.
  out = name;
  if (name.empty()) {
    sink_.error(position(key), fmt::format("\"{}\" must not be empty", keyPath(key)));
    return false;
  }
  if (!std::all_of(name.begin(), name.end(), isNameCharacter)) {
    sink_.error(
        position(key),
        fmt::format("\"{}\" may contain only letters, digits, \"_\", \"-\" and \".\", got \"{}\"", keyPath(key), name));
    return false;
  }
  return true;
}

bool TableReader::readBool(std::string_view key, bool& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  const auto* value = node->as_boolean();
  if (value == nullptr) {
    reportWrongType(key, "a boolean (true or false)");
    return false;
  }
  out = value->get();
  return true;
}

bool TableReader::readInt64(std::string_view key, int64_t& out, int64_t min, int64_t max) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  const auto* value = node->as_integer();
  if (value == nullptr) {
    reportWrongType(key, "an integer");
    return false;
  }
  const int64_t number = value->get();
  if (number < min || number > max) {
    // Limits that only come from the field's type are not worth spelling out.
    const bool type_limit_only =
        max == std::numeric_limits<int64_t>::max() || max == std::numeric_limits<uint32_t>::max();
    if (type_limit_only && number < min) {
      sink_.error(position(key), fmt::format("\"{}\" must be at least {}, got {}", keyPath(key), min, number));
    } else {
      sink_.error(position(key),
                  fmt::format("\"{}\" must be between {} and {}, got {}", keyPath(key), min, max, number));
    }
    return false;
  }
  out = number;
  return true;
}

bool TableReader::readDuration(std::string_view key, Duration& out, ZeroDuration zero) {
  std::string text;
  const toml::node* node = table_.get(key);
  if (node != nullptr && !node->is_string()) {
    find(key);
    reportWrongType(key, "a duration string such as \"250ms\", \"2s\", \"5m\" or \"1h\"");
    return false;
  }
  if (!readString(key, text)) return false;
  const std::optional<Duration> duration = parseDuration(text);
  if (!duration) {
    sink_.error(position(key),
                fmt::format("\"{}\": invalid duration \"{}\" (expected a whole number and a unit: ms, s, m or h, "
                            "such as \"250ms\" or \"2s\")",
                            keyPath(key), text));
    return false;
  }
  if (zero == ZeroDuration::kRejected && duration->count() == 0) {
    sink_.error(position(key), fmt::format("\"{}\" must be greater than zero, got \"{}\"", keyPath(key), text));
    return false;
  }
  out = *duration;
  return true;
}

bool TableReader::readEndpoint(std::string_view key, Endpoint& out, Presence presence) {
  std::string text;
  if (!readString(key, text, presence)) return false;
  const std::optional<HostPort> host_port = parseHostPort(text);
  if (!host_port) {
    const char* reason = parseHostPort(text, /*allow_zero_port=*/true)
                             ? "the port must be between 1 and 65535"
                             : "expected HOST:PORT or [IPv6]:PORT, with a port between 1 and 65535";
    sink_.error(position(key), fmt::format("\"{}\": invalid address \"{}\" ({})", keyPath(key), text, reason));
    return false;
  }
  std::string resolve_error;
  const std::optional<SocketAddress> address = resolve(*host_port, &resolve_error);
  if (!address) {
    sink_.error(position(key), fmt::format("\"{}\": {}", keyPath(key), resolve_error));
    return false;
  }
  out.text = text;
  out.host_port = *host_port;
  out.address = *address;
  return true;
}

bool TableReader::readChoice(std::string_view key, std::string& out, std::initializer_list<std::string_view> choices) {
  return readChoiceFrom(key, out, std::vector<std::string_view>(choices));
}

bool TableReader::readChoiceFrom(std::string_view key, std::string& out, const std::vector<std::string_view>& choices) {
  const toml::node* node = table_.get(key);
  if (node != nullptr && !node->is_string()) {
    find(key);
    reportWrongType(key, fmt::format("a string, one of {}", quotedList(choices)));
    return false;
  }
  std::string text;
  if (!readString(key, text)) return false;
  if (std::find(choices.begin(), choices.end(), text) == choices.end()) {
    sink_.error(position(key),
                fmt::format("\"{}\" must be one of {}, got \"{}\"", keyPath(key), quotedList(choices), text));
    return false;
  }
  out = text;
  return true;
}

const toml::table* TableReader::readTable(std::string_view key, Presence presence) {
  const toml::node* node = find(key);
  if (node == nullptr) {
    if (presence == Presence::kRequired) reportMissing(key);
    return nullptr;
  }
  const toml::table* table = node->as_table();
  if (table == nullptr) reportWrongType(key, fmt::format("a table ([{}])", tomlHeaderPath(keyPath(key))));
  return table;
}

std::vector<IndexedTable> TableReader::readArrayOfTables(std::string_view key, Presence presence, bool* present) {
  if (present != nullptr) *present = false;
  std::vector<IndexedTable> tables;
  const toml::node* node = find(key);
  if (node == nullptr) {
    if (presence == Presence::kRequired) reportMissing(key);
    return tables;
  }
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    reportWrongType(key, fmt::format("an array of tables ([[{}]])", tomlHeaderPath(keyPath(key))));
    return tables;
  }
  if (present != nullptr) *present = true;
  for (size_t index = 0; index < array->size(); ++index) {
    const toml::node& element = *array->get(index);
    std::string element_path = fmt::format("{}[{}]", keyPath(key), index);
    if (const toml::table* table = element.as_table()) {
      tables.push_back(IndexedTable{std::move(element_path), table});
    } else {
      sink_.error(positionOf(element), fmt::format("\"{}\" must be a table", element_path));
    }
  }
  return tables;
}

void TableReader::reportUnknownKeys() {
  for (auto&& [key, node] : table_) {
    if (std::find(known_keys_.begin(), known_keys_.end(), key.str()) != known_keys_.end()) continue;
    SourcePosition where = positionOf(key);
    if (where.line == 0) where = positionOf(node);
    std::string message = fmt::format("unknown key \"{}\"", keyPath(key.str()));
    if (const std::optional<std::string_view> suggestion = closestKey(key.str(), known_keys_)) {
      message += fmt::format(" (did you mean \"{}\"?)", *suggestion);
    }
    sink_.error(where, std::move(message));
  }
}

}  // namespace fulcrum::config
