#pragma once
// fulcrumctl's commands: one admin API call each, its outcome on stdout (success) or
// stderr (failure), and the exit status.
#include "ctl/admin_client.h"
#include "ctl/command_line.h"

namespace fulcrum::ctl {

// Exit statuses (also in usage()).
constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;      // the API answered with an error
constexpr int kExitUsage = 2;        // bad arguments or config file
constexpr int kExitUnreachable = 3;  // no answer from the admin API

// Runs line.command against `client`.
int runCommand(const CommandLine& line, const AdminClient& client);

}  // namespace fulcrum::ctl
