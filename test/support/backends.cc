#include "test/support/backends.h"

namespace fulcrum::test {
namespace {
constexpr size_t kEchoChunk = 64 * 1024;
}  // namespace

IoStatus echoUntilEnd(ServerConnection& connection) {
  std::string buffer;
  while (true) {
    buffer.clear();
    const IoStatus status = connection.read(&buffer, kEchoChunk);
    if (status != IoStatus::kData) {
      if (status == IoStatus::kEof) connection.shutdownWrite();
      return status;
    }
    if (!connection.writeAll(buffer)) return IoStatus::kError;
  }
}

EchoServer::EchoServer()
    : server_([this](ServerConnection& connection) {
        const IoStatus end = echoUntilEnd(connection);
        if (end == IoStatus::kEof) eofs_.fetch_add(1);
        if (end == IoStatus::kReset) resets_.fetch_add(1);
      }) {}

ReadToEofThenReplyServer::ReadToEofThenReplyServer(std::string reply)
    : reply_(std::move(reply)), server_([this](ServerConnection& connection) {
        std::string request;
        while (true) {
          const IoStatus status = connection.read(&request, kEchoChunk);
          if (status == IoStatus::kData) continue;
          if (status != IoStatus::kEof) return;
          break;
        }
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(request);
        }
        connection.writeAll(reply_);
      }) {}

std::vector<std::string> ReadToEofThenReplyServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

SlowReaderServer::SlowReaderServer(size_t chunk_bytes, Millis interval)
    : chunk_bytes_(chunk_bytes), interval_(interval), server_([this](ServerConnection& connection) {
        std::string chunk;
        while (true) {
          chunk.clear();
          // Drain up to chunk_bytes_ (several recv calls may be needed), then pause.
          while (chunk.size() < chunk_bytes_) {
            const IoStatus status = connection.read(&chunk, chunk_bytes_ - chunk.size());
            if (status != IoStatus::kData) {
              bytes_.fetch_add(chunk.size());
              if (status == IoStatus::kEof) connection.writeAll(std::to_string(bytes_.load()));
              return;
            }
          }
          bytes_.fetch_add(chunk.size());
          if (!connection.sleepFor(interval_)) return;
        }
      }) {}

IdServer::IdServer(std::string id, Mode mode)
    : id_(std::move(id)), mode_(mode), server_([this](ServerConnection& connection) {
        if (!connection.writeAll(id_)) return;
        if (mode_ == Mode::kThenEcho) echoUntilEnd(connection);
      }) {}

}  // namespace fulcrum::test
