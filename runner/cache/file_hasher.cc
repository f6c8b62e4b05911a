#include "runner/cache/file_hasher.h"

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "runner/base/digest.h"

namespace taskr {

namespace {

// A file changed this recently may change again within the same mtime tick:
// its digest is used but not remembered (git's "racily clean" problem).
constexpr int64_t kRacyWindowNs = 2'000'000'000;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

FileHasher::FileHasher(std::filesystem::path stat_cache) : file_(std::move(stat_cache)) {
  std::ifstream in(file_);
  std::string line;
  if (!std::getline(in, line) || line != "taskr-stat-cache-1") return;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Entry e;
    std::string path;
    if (!(fields >> e.digest >> e.size >> e.mtime_ns >> e.inode)) continue;
    fields.get();  // the space before the path, which may hold spaces itself
    std::getline(fields, path);
    if (!path.empty() && e.digest.size() == 64) entries_.emplace(std::move(path), std::move(e));
  }
}

Result<std::vector<std::string>> FileHasher::DigestAll(
    const std::vector<std::filesystem::path>& files) {
  std::vector<std::string> digests(files.size());
  std::vector<Entry> seen(files.size());
  std::vector<size_t> to_read;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < files.size(); ++i) {
      struct stat st {};
      if (stat(files[i].c_str(), &st) != 0) {
        return Status::Error(
            fmt::format("cannot read input {}: {}", files[i].string(), strerror(errno)));
      }
      Entry& e = seen[i];
      e.size = static_cast<uint64_t>(st.st_size);
      e.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
      e.inode = st.st_ino;
      auto it = entries_.find(files[i].string());
      if (it != entries_.end() && it->second.size == e.size && it->second.mtime_ns == e.mtime_ns &&
          it->second.inode == e.inode) {
        digests[i] = it->second.digest;
      } else {
        to_read.push_back(i);
      }
    }
  }
  if (to_read.empty()) return digests;

  // Hash what changed on a few threads; each takes the next file in turn.
  std::atomic<size_t> next{0};
  std::vector<std::string> errors(to_read.size());
  auto work = [&] {
    for (size_t n; (n = next.fetch_add(1)) < to_read.size();) {
      size_t i = to_read[n];
      Result<std::string> d = Sha256File(files[i].string());
      if (d.ok()) {
        digests[i] = std::move(*d);
      } else {
        errors[n] = d.status().message();
      }
    }
  };
  size_t threads =
      std::min<size_t>(to_read.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (const auto& e : errors) {
    if (!e.empty()) return Status::Error(e);
  }

  std::lock_guard<std::mutex> lock(mu_);
  files_read_ += to_read.size();
  int64_t now = NowNs();
  for (size_t i : to_read) {
    if (now - seen[i].mtime_ns < kRacyWindowNs) continue;
    seen[i].digest = digests[i];
    entries_[files[i].string()] = seen[i];
    dirty_ = true;
  }
  return digests;
}

void FileHasher::Save() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!dirty_) return;
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  std::string tmp = fmt::format("{}.tmp.{}", file_.string(), getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "taskr-stat-cache-1\n";
    for (const auto& [path, e] : entries_) {
      out << e.digest << ' ' << e.size << ' ' << e.mtime_ns << ' ' << e.inode << ' ' << path
          << '\n';
    }
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return;  // a stat cache that cannot be written only costs time next run
    }
  }
  std::filesystem::rename(tmp, file_, ec);
  if (!ec) dirty_ = false;
}

}  // namespace taskr
