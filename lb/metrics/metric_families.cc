#include "lb/metrics/metric_families.h"

#include <atomic>
#include <string>
#include <utility>

#include "lb/metrics/reported_state.h"

namespace fulcrum {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

double read(const std::atomic<uint64_t>& counter) {
  return static_cast<double>(counter.load(std::memory_order_relaxed));
}

MetricFamily makeFamily(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

// Adds one sample to a counter or gauge family.
void addSample(MetricFamily& family, Labels labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

Labels listenerLabels(const ListenerState& listener) { return {{"listener", listener.name()}}; }

Labels backendLabels(const Pool& pool, const Backend& backend) {
  return {{"pool", pool.name()}, {"backend", backend.name()}};
}

Labels withLabel(Labels labels, std::string name, std::string value) {
  labels.push_back({std::move(name), std::move(value)});
  return labels;
}

// The per-bucket counts of a LatencyHistogram as a Prometheus histogram: cumulative
// buckets, count = the total of the same snapshot so that +Inf and _count agree
// (https://prometheus.io/docs/concepts/metric_types/#histogram). The serializer adds
// the +Inf bucket from sample_count.
ClientMetric histogramSample(const LatencyHistogram& histogram, Labels labels) {
  const auto counts = histogram.bucketCounts();
  ClientMetric metric;
  metric.label = std::move(labels);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
    cumulative += counts[i];
    metric.histogram.bucket.push_back({cumulative, LatencyHistogram::kBounds[i]});
  }
  cumulative += counts.back();
  metric.histogram.sample_count = cumulative;
  metric.histogram.sample_sum = histogram.sumSeconds();
  return metric;
}

void collectListeners(const Topology& topology, std::vector<MetricFamily>& out) {
  auto connections = makeFamily("fulcrum_listener_connections_total",
                                "Client connections accepted by the listener, refused ones included.",
                                MetricType::Counter);
  auto active = makeFamily("fulcrum_listener_active_connections", "Client connections open on the listener now.",
                           MetricType::Gauge);
  auto rejected = makeFamily("fulcrum_listener_rejected_total",
                             "Client connections closed at once: over max_connections, or no eligible backend.",
                             MetricType::Counter);
  auto udp_sessions =
      makeFamily("fulcrum_udp_sessions_active", "UDP sessions open on the listener now.", MetricType::Gauge);
  auto udp_datagrams =
      makeFamily("fulcrum_udp_datagrams_total", "UDP datagrams forwarded by the listener.", MetricType::Counter);
  auto tls_handshakes = makeFamily("fulcrum_tls_handshakes_total", "TLS handshakes on the listener by result.",
                                   MetricType::Counter);
  auto tls_latency = makeFamily("fulcrum_tls_handshake_seconds",
                                "Time from accepting a TLS client to the end of its handshake.",
                                MetricType::Histogram);
  for (const auto& listener : topology.listeners) {
    const ListenerCounters& counters = listener->counters();
    const Labels labels = listenerLabels(*listener);
    addSample(connections, labels, read(counters.connections_total));
    if (listener->tls()) {
      addSample(tls_handshakes, withLabel(labels, "result", "success"), read(counters.tls_handshakes_success));
      addSample(tls_handshakes, withLabel(labels, "result", "failure"), read(counters.tls_handshakes_failure));
      tls_latency.metric.push_back(histogramSample(listener->stats()->tls_handshake_latency, labels));
    }
    addSample(active, labels, static_cast<double>(listener->activeConnections()));
    addSample(rejected, withLabel(labels, "reason", "max_connections"), read(counters.rejected_max_connections));
    addSample(rejected, withLabel(labels, "reason", "no_backend"), read(counters.rejected_no_backend));
    if (listener->config().protocol != config::Protocol::kUdp) continue;
    addSample(udp_sessions, labels,
              static_cast<double>(counters.udp_sessions_active.load(std::memory_order_relaxed)));
    addSample(udp_datagrams, withLabel(labels, "direction", "to_backend"), read(counters.udp_datagrams_to_backend));
    addSample(udp_datagrams, withLabel(labels, "direction", "to_client"), read(counters.udp_datagrams_to_client));
  }
  for (auto* family : {&connections, &active, &rejected, &udp_sessions, &udp_datagrams, &tls_handshakes, &tls_latency}) {
    out.push_back(std::move(*family));
  }
}

void collectBackends(const Topology& topology, std::vector<MetricFamily>& out) {
  auto connections = makeFamily("fulcrum_backend_connections_total",
                                "Connections assigned to the backend (connect attempts included).",
                                MetricType::Counter);
  auto active = makeFamily("fulcrum_backend_active_connections",
                           "Connections assigned to the backend now, over all workers.", MetricType::Gauge);
  auto failures = makeFamily("fulcrum_backend_connect_failures_total",
                             "Connects to the backend that failed or timed out.", MetricType::Counter);
  auto bytes = makeFamily("fulcrum_backend_bytes_total", "Bytes proxied to and from the backend.",
                          MetricType::Counter);
  auto up = makeFamily("fulcrum_backend_up", "1 when the backend's state is up, 0 otherwise (down, unknown, draining).",
                       MetricType::Gauge);
  auto state = makeFamily("fulcrum_backend_state", "1 for the backend's current state, 0 for the others.",
                          MetricType::Gauge);
  auto checks = makeFamily("fulcrum_health_checks_total", "Active health checks of the backend by result.",
                           MetricType::Counter);
  auto drained = makeFamily("fulcrum_backend_drain_closed_connections_total",
                            "Connections closed because the backend's drain_timeout passed.", MetricType::Counter);
  auto latency = makeFamily("fulcrum_backend_connect_seconds",
                            "Time from starting a backend connect to its success, per pool.", MetricType::Histogram);
  for (const auto& pool : topology.pools) {
    for (const auto& backend : pool->listedBackends()) {
      const BackendCounters& counters = backend->counters();
      const Labels labels = backendLabels(*pool, *backend);
      const ReportedState current = reportedState(*pool, *backend);
      addSample(connections, labels, read(counters.connections_total));
      addSample(active, labels, static_cast<double>(backend->activeConnections()));
      addSample(failures, labels, read(counters.connect_failures_total));
      addSample(bytes, withLabel(labels, "direction", "to_backend"), read(counters.bytes_to_backend));
      addSample(bytes, withLabel(labels, "direction", "to_client"), read(counters.bytes_to_client));
      addSample(up, labels, current == ReportedState::kUp ? 1 : 0);
      for (const ReportedState candidate : kAllReportedStates) {
        addSample(state, withLabel(labels, "state", toString(candidate)), candidate == current ? 1 : 0);
      }
      addSample(checks, withLabel(labels, "result", "success"), read(counters.health_successes));
      addSample(checks, withLabel(labels, "result", "failure"), read(counters.health_failures));
      addSample(drained, labels, read(counters.drained_closes));
    }
    latency.metric.push_back(histogramSample(pool->connectLatency(), {{"pool", pool->name()}}));
  }
  for (auto* family : {&connections, &active, &failures, &bytes, &up, &state, &checks, &drained, &latency}) {
    out.push_back(std::move(*family));
  }
}

}  // namespace

std::vector<MetricFamily> collectMetricFamilies(const Topology& topology, const ReloadCounters& reloads,
                                                std::string_view version) {
  std::vector<MetricFamily> families;
  auto build = makeFamily("fulcrum_build_info", "Always 1; the version label names the running build.",
                          MetricType::Gauge);
  addSample(build, {{"version", std::string(version)}}, 1);
  families.push_back(std::move(build));

  collectListeners(topology, families);
  collectBackends(topology, families);

  auto reload_family = makeFamily("fulcrum_config_reloads_total", "Configuration reloads (SIGHUP) by result.",
                                  MetricType::Counter);
  addSample(reload_family, {{"result", "success"}}, static_cast<double>(reloads.success));
  addSample(reload_family, {{"result", "failure"}}, static_cast<double>(reloads.failure));
  families.push_back(std::move(reload_family));

  std::erase_if(families, [](const MetricFamily& family) { return family.metric.empty(); });
  return families;
}

}  // namespace fulcrum
