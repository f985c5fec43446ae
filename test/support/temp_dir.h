#pragma once
// Scratch directories and files for tests.
#include <string>
#include <string_view>

namespace fulcrum::test {

// A fresh directory under /tmp (mkdtemp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string file(std::string_view name) const;

 private:
  std::string path_;
};

// Replaces the file's contents; throws std::runtime_error when it cannot.
void writeFile(const std::string& path, std::string_view contents);
// The whole file; empty when it does not exist.
std::string readFile(const std::string& path);

}  // namespace fulcrum::test
