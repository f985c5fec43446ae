#pragma once
// Where fulcrumctl finds the admin API: admin.bind and admin.token of fulcrum's config
// file, overridden by --admin and --token.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ctl/command_line.h"

namespace fulcrum::ctl {

struct AdminTarget {
  std::string host;  // to connect to: never a wildcard; IPv6 without brackets
  uint16_t port = 0;
  std::string token;  // empty: send no Authorization header
  std::string display;  // "HOST:PORT" for messages
};

// nullopt, with every reason in *errors, when the file cannot be read, its [admin] table
// is missing or invalid (and --admin does not replace it), or --admin is malformed.
// Only the [admin] table of the file is read: the rest may be mid-edit, about to be
// checked by `fulcrumctl reload`.
std::optional<AdminTarget> resolveAdminTarget(const CommandLine& line, std::vector<std::string>* errors);

}  // namespace fulcrum::ctl
