#include "lb/admin/request_bodies.h"

#include <nlohmann/json.hpp>

namespace fulcrum::admin {
namespace {

using nlohmann::json;

// The body as a JSON object holding `key` and no other key; nullopt with *error set
// otherwise. nlohmann's parser is iterative, so deep nesting cannot exhaust the stack.
std::optional<json> parseSingleKeyObject(std::string_view body, std::string_view key, std::string* error) {
  // nlohmann's lexer takes a NUL byte for the end of the input, so `{"ready":true}\0junk`
  // would pass; RFC 8259 allows no raw NUL anywhere in a JSON text.
  const bool has_nul = body.find('\0') != std::string_view::npos;
  json document = has_nul ? json(json::value_t::discarded) : json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    *error = "the body is not valid JSON";
    return std::nullopt;
  }
  if (!document.is_object()) {
    *error = "the body must be a JSON object";
    return std::nullopt;
  }
  if (!document.contains(key)) {
    *error = "the body must have the key \"" + std::string(key) + "\"";
    return std::nullopt;
  }
  for (const auto& item : document.items()) {
    if (item.key() != key) {
      *error = "unknown key \"" + item.key() + "\" in the body";
      return std::nullopt;
    }
  }
  return document;
}

}  // namespace

std::optional<std::string> parsePoolSwitchBody(std::string_view body, std::string* error) {
  std::optional<json> document = parseSingleKeyObject(body, "pool", error);
  if (!document) return std::nullopt;
  const json& pool = (*document)["pool"];
  if (!pool.is_string() || pool.get_ref<const std::string&>().empty()) {
    *error = "\"pool\" must be a non-empty string";
    return std::nullopt;
  }
  return pool.get<std::string>();
}

std::optional<bool> parseReadyBody(std::string_view body, std::string* error) {
  std::optional<json> document = parseSingleKeyObject(body, "ready", error);
  if (!document) return std::nullopt;
  const json& ready = (*document)["ready"];
  if (!ready.is_boolean()) {
    *error = "\"ready\" must be true or false";
    return std::nullopt;
  }
  return ready.get<bool>();
}

}  // namespace fulcrum::admin
