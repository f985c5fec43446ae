#pragma once
// The JSON bodies of the mutating admin calls (INTERFACE.md, "Admin API"). Pure
// functions: any input gives either a value or a readable error (answered with 400).
#include <optional>
#include <string>
#include <string_view>

namespace fulcrum::admin {

// PUT /api/v1/listeners/{listener}/pool: {"pool":"green"} — exactly one key, a
// non-empty string. The pool name, or nullopt with *error set.
std::optional<std::string> parsePoolSwitchBody(std::string_view body, std::string* error);

// POST /api/v1/ready: {"ready":true} or {"ready":false}. The flag, or nullopt with *error set.
std::optional<bool> parseReadyBody(std::string_view body, std::string* error);

}  // namespace fulcrum::admin
