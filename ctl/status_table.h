#pragma once
// The text that `fulcrumctl status` prints for GET /api/v1/status (INTERFACE.md,
// "Admin API"): one aligned table of listeners, one of backends.
#include <string>

#include <nlohmann/json.hpp>

namespace fulcrum::ctl {

// Throws nlohmann::json::exception when `status` does not have the documented shape.
std::string renderStatus(const nlohmann::json& status);

}  // namespace fulcrum::ctl
