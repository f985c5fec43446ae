#include "test/support/exit_status.h"

#include <cstring>

namespace fulcrum::test {

std::string ExitStatus::describe() const {
  if (exited()) return "exit " + std::to_string(code());
  if (signaled()) return "signal " + std::to_string(signal()) + " (" + ::strsignal(signal()) + ")";
  return "wait status " + std::to_string(raw);
}

}  // namespace fulcrum::test
