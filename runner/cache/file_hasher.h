// FileHasher digests input files for cache keys. It remembers, per path, the
// (size, mtime in ns, inode) it saw and the digest it computed, in a stat
// cache file, so a run where nothing changed reads no file contents.
//
//   FileHasher hasher(".taskr/cache/stat-cache");
//   Result<std::vector<std::string>> digests = hasher.DigestAll(paths);
//   hasher.Save();
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "runner/base/status.h"

namespace taskr {

/// FileHasher is safe to share between threads.
class FileHasher {
 public:
  /// FileHasher uses `stat_cache` (read now; a missing or damaged file is an
  /// empty cache).
  explicit FileHasher(std::filesystem::path stat_cache);

  /// DigestAll returns the SHA-256 hex of each file, in order. Files whose
  /// stat matches the cache are not read; the others are hashed in parallel.
  Result<std::vector<std::string>> DigestAll(const std::vector<std::filesystem::path>& files);
  /// Save writes the stat cache back (atomically) if it changed.
  void Save();
  /// files_read counts the files whose contents were read, for tests and stats.
  size_t files_read() const { return files_read_; }

 private:
  struct Entry {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    uint64_t inode = 0;
    std::string digest;
  };

  std::filesystem::path file_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  bool dirty_ = false;
  size_t files_read_ = 0;
};

}  // namespace taskr
