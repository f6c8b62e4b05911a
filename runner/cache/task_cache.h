// TaskCache is what the scheduler asks about caching: the key of a task about
// to run, whether it is stored (locally, then remotely), restoring a hit, and
// storing a success. It also keeps the last key record of every task in the
// workspace, so a miss can say what changed.
//
//   Result<KeyRecord> record = cache.Record(node, command, env, need_keys);
//   if (auto hit = cache.Lookup(record->Key()); hit.ok() && *hit) cache.Restore(**hit);
//   ... run ...
//   cache.Save(node, *record, result, log_text);
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runner/base/status.h"
#include "runner/cache/file_hasher.h"
#include "runner/cache/key_record.h"
#include "runner/cache/local_store.h"
#include "runner/cache/remote_store.h"
#include "runner/core/task_result.h"
#include "runner/graph/graph.h"

namespace taskr {

/// CacheOptions configure caching for one run.
struct CacheOptions {
  std::filesystem::path store_dir;      // the local store
  std::filesystem::path workspace;      // absolute
  std::optional<RemoteOptions> remote;  // set: use a remote cache too
  /// secrets: values that must never be stored; a task whose output files
  /// contain one is not cached.
  std::vector<std::string> secrets;
};

/// CacheRequest is one task instance as the cache sees it. Every string has
/// its secrets replaced by their names already.
struct CacheRequest {
  const TaskNode* node = nullptr;
  std::vector<std::string> inputs;                           // rendered input globs
  std::vector<std::string> outputs;                          // rendered output paths or globs
  std::vector<std::pair<std::string, std::string>> command;  // ("command", script), ("plugin", …)
  std::vector<std::pair<std::string, std::string>> env;      // declared env: name, value
  std::vector<std::pair<std::string, std::string>> need_keys;  // need id, its key
};

/// TaskCache is shared by one run's tasks; the scheduler calls it from its loop.
class TaskCache {
 public:
  /// Open opens the local store and, when configured, the remote one.
  static Result<std::unique_ptr<TaskCache>> Open(CacheOptions options);
  ~TaskCache();

  /// Cacheable tells whether `node` may be cached: it declares inputs or
  /// outputs, does not say `cache = false`, and is not a plugin effect
  /// (`effect` true).
  static bool Cacheable(const TaskNode& node, bool effect);

  /// Record collects the facts of a task's key: its id and matrix, the
  /// command (or plugin identity and parameters), declared env values, input
  /// file digests, declared outputs, and the keys of what it needs.
  Result<KeyRecord> Record(const CacheRequest& request);

  /// Lookup finds `key` locally, then remotely (a remote hit is stored
  /// locally). Damaged entries and remote trouble become warnings and a miss.
  std::optional<CacheEntry> Lookup(const std::string& key, std::vector<std::string>* warnings);
  /// Restore puts a hit's output files in the workspace (skipping those already
  /// in place with the same digest).
  Status Restore(const CacheEntry& entry);
  /// Save stores a successful run: it checks every declared output exists,
  /// packs them and writes the entry; a missing output is an error naming it.
  /// The remote upload happens in the background.
  Status Save(const CacheRequest& request, const KeyRecord& record, const TaskResult& result,
              const std::string& log, std::vector<std::string>* warnings);

  /// ExplainMiss compares `record` with the last one kept for this task:
  /// empty when there was none.
  std::vector<std::string> ExplainMiss(const TaskNode& node, const KeyRecord& record) const;
  /// Remember keeps `record` as this task's last one (written by Finish, in
  /// one file per workspace: .taskr/cache/records.json).
  void Remember(const TaskNode& node, const KeyRecord& record);

  /// Finish waits for uploads (bounded) and saves the stat cache.
  void Finish(std::vector<std::string>* warnings);

  LocalStore& store() { return store_; }

 private:
  TaskCache(CacheOptions options, LocalStore store);
  void LoadRecords() const;
  void SaveRecords();
  Result<std::vector<std::string>> OutputFiles(const std::vector<std::string>& patterns) const;
  void Upload(CacheEntry entry, std::filesystem::path archive);
  void UploadLoop();

  CacheOptions options_;
  LocalStore store_;
  FileHasher hasher_;
  std::unique_ptr<RemoteStore> remote_;
  std::atomic<bool> remote_down_{false};  // after one unreachable answer, stop asking
  void RemoteTrouble(const Status& s, std::vector<std::string>* warnings);
  mutable std::optional<ValueObject> records_;  // task id -> last KeyRecord text
  bool records_dirty_ = false;
  // Uploads run on one background thread, in the order tasks finished.
  std::mutex upload_mu_;
  std::condition_variable upload_cv_;
  std::deque<std::pair<CacheEntry, std::filesystem::path>> upload_queue_;
  bool upload_closed_ = false;
  std::thread uploader_;
  std::vector<std::string> upload_warnings_;
};

}  // namespace taskr
