#include "lb/runtime/service_manager.h"

#include <systemd/sd-daemon.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

#include <fmt/format.h>

#include "common/log.h"

namespace fulcrum::service_manager {
namespace {

// STATUS= ends at a newline (sd_notify(3): one assignment per line).
std::string oneLine(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

void send(const std::string& message) {
  const int result = sd_notify(0, message.c_str());
  if (result < 0) {
    log::warn("could not notify the service manager ($NOTIFY_SOCKET): {}", std::strerror(-result));
  }
}

}  // namespace

void notifyReady(std::string_view status) { send(fmt::format("READY=1\nSTATUS={}", oneLine(status))); }

void notifyReloading() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                    static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
  send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading", usec));
}

void notifyStopping(std::string_view status) { send(fmt::format("STOPPING=1\nSTATUS={}", oneLine(status))); }

}  // namespace fulcrum::service_manager
