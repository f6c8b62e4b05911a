#include "runner/cli/workspace.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <vector>

namespace taskr {

namespace fs = std::filesystem;

Result<fs::path> FindPipelineFile(const std::string& explicit_file) {
  std::error_code ec;
  if (!explicit_file.empty()) {
    if (!fs::is_regular_file(explicit_file, ec)) {
      return Status::Error(fmt::format("-f {}: no such file", explicit_file));
    }
    return fs::path(explicit_file);
  }
  fs::path start = fs::current_path(ec);
  if (ec) return Status::Error(fmt::format("cannot read the current directory: {}", ec.message()));
  for (fs::path dir = start;; dir = dir.parent_path()) {
    fs::path candidate = dir / "pipeline.toml";
    if (fs::is_regular_file(candidate, ec)) {
      // Relative to where we are, so messages show short paths.
      fs::path rel = candidate.lexically_relative(start);
      return rel.empty() ? candidate : rel;
    }
    if (dir == dir.root_path() || dir.parent_path() == dir) break;
  }
  return Status::Error(fmt::format(
      "no pipeline.toml in {} or any folder above it (use -f FILE or -C DIR)", start.string()));
}

Result<fs::path> CreateRunDir(const fs::path& root) {
  fs::path runs = root / ".taskr" / "runs";
  std::error_code ec;
  fs::create_directories(runs, ec);
  if (ec) return Status::Error(fmt::format("cannot create {}: {}", runs.string(), ec.message()));
  // Keep taskr's own files out of git status (and so out of git.dirty).
  fs::path ignore = root / ".taskr" / ".gitignore";
  if (!fs::exists(ignore, ec)) std::ofstream(ignore) << "*\n";

  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::string id = fmt::format("{}.{:03}-{}", stamp, ms, getpid());
  fs::path dir = runs / id;
  fs::create_directory(dir, ec);
  if (ec) return Status::Error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));

  // latest -> <id>, replaced atomically.
  fs::path tmp = runs / fmt::format(".latest-{}", getpid());
  fs::remove(tmp, ec);
  fs::create_directory_symlink(id, tmp, ec);
  if (!ec) fs::rename(tmp, runs / "latest", ec);

  std::vector<fs::path> old;
  for (const auto& entry : fs::directory_iterator(runs, ec)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_symlink() && entry.is_directory() && !name.empty() && name[0] != '.') {
      old.push_back(entry.path());
    }
  }
  if (old.size() > kKeptRuns) {
    std::sort(old.begin(), old.end());
    for (size_t i = 0; i + kKeptRuns < old.size(); ++i) fs::remove_all(old[i], ec);
  }
  return dir;
}

}  // namespace taskr
