// LocalStore is the on-disk cache, laid out like the remote one:
//   <dir>/ac/<first two hex digits>/<key>.json          what the task produced
//   <dir>/cas/<first two hex digits>/<sha256>.tar.zst   output archives, by content
// Every file is written under <dir>/tmp and renamed into place, so readers
// (other taskr processes too) see a whole file or none. An entry records its
// archive's sha256, checked before anything is restored; identical outputs of
// different tasks share one archive.
//
//   auto store = LocalStore::Open(LocalStore::DefaultDir(ProcessEnv));
//   Result<std::optional<CacheEntry>> hit = store->Lookup(key);
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runner/base/status.h"
#include "runner/git/git_info.h"
#include "runner/model/value.h"

namespace taskr {

/// CacheEntry is what a cached task produced.
struct CacheEntry {
  std::string key;
  std::string task;     // instance id, for `taskr cache stats`
  std::string record;   // KeyRecord text
  ValueObject outputs;  // task outputs
  std::string log;      // the task's log, secrets masked
  std::vector<Value> findings;
  std::vector<Value> artifacts;
  std::string summary;
  /// files lists the output files and their sha256, so a restore can skip
  /// files that are already in place.
  std::vector<std::pair<std::string, std::string>> files;
  std::string archive_sha256;  // "" when the task declared no output files
  int64_t duration_ms = 0;     // how long the task took when it ran
};

/// StoreStats counts a store's contents.
struct StoreStats {
  size_t entries = 0;
  uint64_t bytes = 0;
};

/// LocalStore is one cache folder.
class LocalStore {
 public:
  /// DefaultDir is $TASKR_CACHE_DIR, else $XDG_CACHE_HOME/taskr, else ~/.cache/taskr.
  static std::filesystem::path DefaultDir(const EnvLookup& env);
  /// Open creates the folder if needed.
  static Result<LocalStore> Open(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  /// Lookup returns the entry for `key`, nullopt when there is none. A damaged
  /// entry (unreadable, or its archive missing) is removed and reported as an
  /// error; callers treat it as a miss. The archive's digest is checked by
  /// VerifyArchive, when it is about to be unpacked.
  Result<std::optional<CacheEntry>> Lookup(const std::string& key) const;
  /// VerifyArchive checks that the entry's archive exists with its digest;
  /// a damaged one is removed with its entry and reported.
  Status VerifyArchive(const CacheEntry& entry) const;
  /// ArchivePath is where the archive with digest `sha256` lives.
  std::filesystem::path ArchivePath(const std::string& sha256) const;
  /// Store writes `entry` with the archive at `archive` (moved in; may be empty
  /// when the task has no output files). A concurrent writer of the same key
  /// wins harmlessly: entries of one key are interchangeable.
  Status Store(const CacheEntry& entry, const std::filesystem::path& archive) const;
  /// Stats counts entries and bytes.
  StoreStats Stats() const;
  /// Prune removes least recently used entries until the store holds at most
  /// `max_bytes` (0: no limit), and every entry unused for `max_age`
  /// (0: no limit); it returns what it removed.
  StoreStats Prune(uint64_t max_bytes, std::chrono::hours max_age) const;
  /// Clean removes every entry.
  Status Clean() const;

  /// EntryToJson and EntryFromJson convert an entry for entry.json (also the
  /// remote cache's ac body).
  static std::string EntryToJson(const CacheEntry& entry);
  static Result<CacheEntry> EntryFromJson(std::string_view json);

 private:
  explicit LocalStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path EntryPath(const std::string& key) const;
  Status Publish(const std::filesystem::path& from, const std::filesystem::path& to) const;

  std::filesystem::path dir_;
};

}  // namespace taskr
