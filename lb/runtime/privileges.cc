#include "lb/runtime/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "common/log.h"

namespace fulcrum {

std::optional<RunAsUser> resolveRunAsUser(const std::string& name, std::string* error) {
  // getpwnam_r: the buffer size hint may be -1 (unbounded); 16 KiB covers real entries.
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(hint > 0 ? static_cast<size_t>(hint) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  const int rc = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (found == nullptr) {
    *error = rc == 0 ? fmt::format("runtime.user: no user named \"{}\"", name)
                     : fmt::format("runtime.user: cannot look up user \"{}\": {}", name, std::strerror(rc));
    return std::nullopt;
  }
  RunAsUser user{name, entry.pw_uid, entry.pw_gid};
  if (geteuid() != 0 && geteuid() != user.uid) {
    *error = fmt::format("runtime.user = \"{}\" needs fulcrum to start as root (running as uid {})", name, geteuid());
    return std::nullopt;
  }
  return user;
}

bool dropPrivileges(const RunAsUser& user, std::string* error) {
  if (geteuid() == user.uid && getegid() == user.gid && user.uid != 0) return true;
  if (initgroups(user.name.c_str(), user.gid) != 0) {
    *error = fmt::format("initgroups(\"{}\"): {}", user.name, std::strerror(errno));
    return false;
  }
  // gid first: once the uid is dropped, changing the gid is no longer allowed.
  if (setgid(user.gid) != 0) {
    *error = fmt::format("setgid({}): {}", user.gid, std::strerror(errno));
    return false;
  }
  if (setuid(user.uid) != 0) {
    *error = fmt::format("setuid({}): {}", user.uid, std::strerror(errno));
    return false;
  }
  // setuid from root sets real, effective and saved ids; prove it (CERT POS37-C).
  if (user.uid != 0 && setuid(0) == 0) {
    *error = "privileges could be regained after setuid";
    return false;
  }
  return true;
}

bool switchToConfiguredUser(const std::string& name) {
  if (name.empty()) return true;
  std::string error;
  const std::optional<RunAsUser> user = resolveRunAsUser(name, &error);
  if (!user || !dropPrivileges(*user, &error)) {
    log::error("cannot run as user \"{}\": {}", name, error);
    return false;
  }
  log::info("running as user \"{}\" (uid {}, gid {})", user->name, user->uid, user->gid);
  return true;
}

}  // namespace fulcrum
