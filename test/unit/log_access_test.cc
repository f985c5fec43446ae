// The access log's buffering: lines recorded on several threads all reach stderr, whole,
// once flushed (lb/proxy/access_log).
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "common/log.h"
#include "lb/proxy/access_log.h"
#include "test/support/temp_dir.h"

namespace fulcrum::access_log {
namespace {

// Sends stderr (fd 2) to a file for its lifetime.
class StderrToFile {
 public:
  explicit StderrToFile(const std::string& path) : saved_(dup(STDERR_FILENO)) {
    std::fflush(stderr);
    FILE* file = std::fopen(path.c_str(), "w");
    dup2(fileno(file), STDERR_FILENO);
    std::fclose(file);
  }
  ~StderrToFile() {
    dup2(saved_, STDERR_FILENO);
    close(saved_);
  }

 private:
  int saved_;
};

TEST_CASE("access lines recorded on several threads are all written, whole, by flush()", "[log]") {
  test::TempDir dir;
  const std::string path = dir.file("stderr.txt");
  constexpr int kThreads = 4;
  constexpr int kLinesEach = 500;
  {
    StderrToFile redirect(path);
    std::vector<std::thread> threads;
    for (int thread = 0; thread < kThreads; ++thread) {
      threads.emplace_back([thread] {
        const std::string listener = fmt::format("l{}", thread);
        for (int line = 0; line < kLinesEach; ++line) {
          record(Entry{.listener = listener, .client = "127.0.0.1:1", .backend = "-", .bytes_to_backend = uint64_t(line),
                       .reason = "closed"});
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    flush();
  }
  std::istringstream written(test::readFile(path));
  std::vector<int> per_thread(kThreads, 0);
  int lines = 0;
  for (std::string line; std::getline(written, line);) {
    ++lines;
    INFO(line);
    REQUIRE(line.find(" info access listener=l") != std::string::npos);
    REQUIRE(line.ends_with(" reason=closed"));
    const size_t at = line.find("listener=l") + 10;
    ++per_thread.at(static_cast<size_t>(line[at] - '0'));
  }
  CHECK(lines == kThreads * kLinesEach);
  CHECK(per_thread == std::vector<int>(kThreads, kLinesEach));
}

TEST_CASE("an access line follows log_format json", "[log]") {
  test::TempDir dir;
  const std::string path = dir.file("stderr.txt");
  log::setFormat(log::Format::kJson);
  {
    StderrToFile redirect(path);
    record(Entry{.listener = "web", .client = "127.0.0.1:2", .backend = "127.0.0.1:3", .bytes_to_backend = 5,
                 .bytes_to_client = 6, .duration_ms = 7, .reason = "idle_timeout"});
    flush();
  }
  log::setFormat(log::Format::kText);
  const std::string line = test::readFile(path);
  CHECK(line.find(R"("msg":"access","listener":"web","client":"127.0.0.1:2","backend":"127.0.0.1:3",)"
                  R"("bytes_to_backend":5,"bytes_to_client":6,"duration_ms":7,"reason":"idle_timeout"})") !=
        std::string::npos);
}

}  // namespace
}  // namespace fulcrum::access_log
