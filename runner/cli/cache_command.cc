// taskr cache: show, prune or clean the local cache.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "runner/cache/local_store.h"
#include "runner/cli/command.h"
#include "runner/exec/contexts.h"

namespace taskr {
namespace {

struct CacheOptionsGiven {
  std::string what = "stats";
  std::string max_size;
  int max_age_days = 0;
};

std::string FormatBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

// ParseSize reads "500M", "2G", "1024" (bytes) and the like.
std::optional<uint64_t> ParseSize(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t end = 0;
  double n = 0;
  try {
    n = std::stod(text, &end);
  } catch (...) {
    return std::nullopt;
  }
  std::string unit = text.substr(end);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!unit.empty() && unit.back() == 'B') unit.pop_back();
  if (!unit.empty() && unit.back() == 'I') unit.pop_back();
  double scale = unit.empty()  ? 1
                 : unit == "K" ? 1024.0
                 : unit == "M" ? 1024.0 * 1024
                 : unit == "G" ? 1024.0 * 1024 * 1024
                               : -1;
  if (scale < 0 || n < 0) return std::nullopt;
  return static_cast<uint64_t>(n * scale);
}

int Cache(const CacheOptionsGiven& given) {
  Result<LocalStore> store = LocalStore::Open(LocalStore::DefaultDir(ProcessEnv));
  if (!store.ok()) {
    fmt::print(stderr, "taskr: {}\n", store.status().message());
    return kExitInternal;
  }
  if (given.what == "clean") {
    StoreStats before = store->Stats();
    if (Status s = store->Clean(); !s.ok()) {
      fmt::print(stderr, "taskr: {}\n", s.message());
      return kExitInternal;
    }
    fmt::print("removed {} entries ({}) from {}\n", before.entries, FormatBytes(before.bytes),
               store->dir().string());
    return kExitOk;
  }
  if (given.what == "prune") {
    std::optional<uint64_t> bytes =
        given.max_size.empty() ? std::optional<uint64_t>(0) : ParseSize(given.max_size);
    if (!bytes) {
      fmt::print(stderr, "taskr: --max-size {}: write a size like 500M or 2G\n", given.max_size);
      return kExitUsage;
    }
    if (*bytes == 0 && given.max_age_days == 0) {
      fmt::print(stderr, "taskr: cache prune needs --max-size SIZE or --max-age DAYS\n");
      return kExitUsage;
    }
    StoreStats removed = store->Prune(*bytes, std::chrono::hours(24 * given.max_age_days));
    StoreStats left = store->Stats();
    fmt::print("removed {} entries ({}); {} entries ({}) left in {}\n", removed.entries,
               FormatBytes(removed.bytes), left.entries, FormatBytes(left.bytes),
               store->dir().string());
    return kExitOk;
  }
  StoreStats s = store->Stats();
  fmt::print("cache: {}\n  entries: {}\n  size: {}\n", store->dir().string(), s.entries,
             FormatBytes(s.bytes));
  return kExitOk;
}

}  // namespace

CommandRunner AddCacheCommand(CLI::App& app, const GlobalOptions&) {
  auto given = std::make_shared<CacheOptionsGiven>();
  auto* cmd = app.add_subcommand("cache", "Show, prune or clean the local cache");
  cmd->add_option("command", given->what, "stats (default), prune or clean")
      ->check(CLI::IsMember({"stats", "prune", "clean"}));
  cmd->add_option("--max-size", given->max_size,
                  "prune: keep at most SIZE (e.g. 2G), least recently used first")
      ->type_name("SIZE");
  cmd->add_option("--max-age", given->max_age_days, "prune: remove entries unused for DAYS days")
      ->type_name("DAYS")
      ->check(CLI::NonNegativeNumber);
  cmd->footer(
      "The cache lives in $TASKR_CACHE_DIR, else $XDG_CACHE_HOME/taskr, else ~/.cache/taskr.\n"
      "Examples:\n  taskr cache\n  taskr cache prune --max-size 5G --max-age 14\n  taskr cache "
      "clean");
  return [given] { return Cache(*given); };
}

}  // namespace taskr
