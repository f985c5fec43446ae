#include "test/support/health_traffic.h"

#include "test/support/tcp_client.h"

namespace fulcrum::test {

std::optional<std::string> backendIdVia(uint16_t listen_port, size_t id_length, Millis timeout) {
  const Deadline deadline(timeout);
  UniqueFd client = connectTcp(listen_port, deadline.remaining());
  if (!client) return std::nullopt;
  return recvExact(client.get(), id_length, deadline.remaining());
}

bool closedWithoutData(uint16_t listen_port, Millis timeout) {
  const Deadline deadline(timeout);
  ConnectResult attempt = tryConnectTcp(listen_port, deadline.remaining());
  // The proxy may reset the connection before our side has seen the handshake finish.
  if (attempt.outcome == ConnectOutcome::kReset || attempt.outcome == ConnectOutcome::kRefused) return true;
  if (attempt.outcome != ConnectOutcome::kConnected) return false;
  std::string received;
  return isClosedByPeer(attempt.fd.get(), deadline.remaining(), &received) && received.empty();
}

size_t countOccurrences(const std::string& text, const std::string& needle) {
  if (needle.empty()) return 0;
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

bool waitForLogCount(FulcrumProcess& fulcrum, const std::string& needle, size_t count, Millis timeout) {
  return eventually(timeout, [&] { return countOccurrences(fulcrum.log(), needle) >= count; });
}

std::string logAfter(const FulcrumProcess& fulcrum, const std::string& marker) {
  const std::string log = fulcrum.log();
  const size_t at = log.find(marker);
  return at == std::string::npos ? std::string() : log.substr(at + marker.size());
}

std::string logLineWith(const FulcrumProcess& fulcrum, const std::string& marker) {
  const std::string log = fulcrum.log();
  const size_t at = log.find(marker);
  if (at == std::string::npos) return {};
  const size_t begin = log.rfind('\n', at);
  const size_t start = begin == std::string::npos ? 0 : begin + 1;
  const size_t end = log.find('\n', at);
  return log.substr(start, (end == std::string::npos ? log.size() : end) - start);
}

}  // namespace fulcrum::test
