#include "lb/runtime/tls_contexts.h"

namespace fulcrum {

std::optional<TlsContexts> loadTlsContexts(const config::Config& config, std::vector<std::string>* errors) {
  TlsContexts contexts;
  const size_t errors_before = errors->size();
  for (const auto& listener : config.listeners) {
    if (!listener.tls) continue;
    std::shared_ptr<const TlsContext> context = TlsContext::create(*listener.tls, errors);
    if (context) contexts.emplace(listener.name, std::move(context));
  }
  if (errors->size() != errors_before) return std::nullopt;
  return contexts;
}

}  // namespace fulcrum
