#pragma once
// runtime.user: fulcrum starts as root to bind privileged ports, then runs as an
// unprivileged user. The user is looked up before anything is bound (so a typo fails at
// once, exit 2) and switched to once every socket is bound.
#include <sys/types.h>

#include <optional>
#include <string>

namespace fulcrum {

struct RunAsUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks `name` up in the user database. nullopt with `error` set when the user does
// not exist, or when the process is not root and not already running as that user.
std::optional<RunAsUser> resolveRunAsUser(const std::string& name, std::string* error);

// Switches the whole process (every thread: glibc applies set*id process-wide) to
// `user`: supplementary groups (initgroups), then gid, then uid. Returns false with
// `error` set when any step fails or root could be regained afterwards. Does nothing
// when already running as `user`.
bool dropPrivileges(const RunAsUser& user, std::string* error);

// The runtime.user step of start-up, after every socket is bound: nothing when `name`
// is empty; otherwise resolve and drop, logging the outcome. False (logged) on failure.
bool switchToConfiguredUser(const std::string& name);

}  // namespace fulcrum
