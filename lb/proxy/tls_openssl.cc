#include "lb/proxy/tls_openssl.h"

#include <openssl/err.h>

#include <system_error>

namespace fulcrum {

std::string takeOpensslError(const char* fallback) {
  const unsigned long oldest = ERR_get_error();
  ERR_clear_error();
  if (oldest == 0) return fallback;
  // System errors (a file that cannot be opened) carry errno and have no reason string.
  if (ERR_SYSTEM_ERROR(oldest)) return std::generic_category().message(ERR_GET_REASON(oldest));
  if (const char* reason = ERR_reason_error_string(oldest)) return reason;
  // Reasons without a registered string (for example from a provider) still have a
  // readable "error:code:library::reason" rendering.
  char text[256];
  ERR_error_string_n(oldest, text, sizeof(text));
  return text;
}

}  // namespace fulcrum
