#include "runner/cache/task_cache.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <taskr/glob.hpp>

#include "runner/base/digest.h"
#include "runner/base/read_file.h"
#include "runner/cache/archive.h"
#include "runner/model/json.h"

namespace taskr {

namespace fs = std::filesystem;

namespace {

std::string TempName(const fs::path& dir, std::string_view what) {
  static std::mt19937_64 rng{std::random_device{}()};
  return (dir / fmt::format("{}.{}.{:x}", what, getpid(), rng())).string();
}

}  // namespace

TaskCache::TaskCache(CacheOptions options, LocalStore store)
    : options_(std::move(options)),
      store_(std::move(store)),
      hasher_(options_.workspace / ".taskr" / "cache" / "stat-cache") {}

TaskCache::~TaskCache() {
  std::vector<std::string> ignored;
  Finish(&ignored);
}

Result<std::unique_ptr<TaskCache>> TaskCache::Open(CacheOptions options) {
  Result<LocalStore> store = LocalStore::Open(options.store_dir);
  if (!store.ok()) return store.status();
  std::unique_ptr<TaskCache> cache(new TaskCache(options, std::move(*store)));
  if (options.remote) {
    Result<std::unique_ptr<RemoteStore>> remote = RemoteStore::Create(*options.remote);
    if (!remote.ok()) {
      // The local cache still works without it.
      fmt::print(stderr, "taskr: warning: not using the remote cache: {}\n",
                 remote.status().message());
    } else {
      cache->remote_ = std::move(*remote);
    }
  }
  return cache;
}

// RemoteTrouble warns once; a remote that cannot be reached (refused, timed
// out) is not asked again in this run, so a dead server costs one time-out.
void TaskCache::RemoteTrouble(const Status& s, std::vector<std::string>* warnings) {
  const std::string& m = s.message();
  bool unreachable = m.find("connection refused") != std::string::npos ||
                     m.find("timed out") != std::string::npos ||
                     m.find("cannot resolve") != std::string::npos ||
                     m.find("closed the connection") != std::string::npos;
  if (unreachable && !remote_down_.exchange(true)) {
    warnings->push_back(fmt::format("{}; running without the remote cache from now on", m));
  } else if (!unreachable) {
    warnings->push_back(fmt::format("{}; running the task", m));
  }
}

bool TaskCache::Cacheable(const TaskNode& node, bool effect) {
  const TaskSpec& spec = *node.spec;
  if (!spec.cache || effect) return false;
  return !spec.inputs.empty() || !spec.outputs.empty();
}

Result<KeyRecord> TaskCache::Record(const CacheRequest& req) {
  KeyRecord r;
  r.Add("task", req.node->id);
  for (const auto& [name, value] : req.command) r.Add(name, value);
  for (const auto& [name, value] : req.env) r.Add("env:" + name, value);

  std::vector<std::string> files;
  for (const std::string& pattern : req.inputs) {
    std::string error;
    std::optional<sdk::Glob> glob = sdk::Glob::Parse(pattern, &error);
    if (!glob) return Status::Error(fmt::format("inputs: {}", error));
    std::vector<std::string> found = glob->Expand(options_.workspace);
    r.Add("inputs:" + pattern, std::to_string(found.size()) + " files");
    files.insert(files.end(), found.begin(), found.end());
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  std::vector<fs::path> absolute;
  absolute.reserve(files.size());
  for (const auto& f : files) absolute.push_back(options_.workspace / f);
  Result<std::vector<std::string>> digests = hasher_.DigestAll(absolute);
  if (!digests.ok()) return digests.status();
  for (size_t i = 0; i < files.size(); ++i) r.Add("input:" + files[i], (*digests)[i]);

  for (const std::string& pattern : req.outputs) r.Add("output:" + pattern, "declared");
  for (const auto& [id, key] : req.need_keys) r.Add("need:" + id, key);
  return r;
}

std::optional<CacheEntry> TaskCache::Lookup(const std::string& key,
                                            std::vector<std::string>* warnings) {
  Result<std::optional<CacheEntry>> local = store_.Lookup(key);
  if (!local.ok()) {
    warnings->push_back(local.status().message());
  } else if (*local) {
    return std::move(**local);
  }
  if (!remote_ || remote_down_) return std::nullopt;

  auto remote_trouble = [&](const Status& s) {
    RemoteTrouble(s, warnings);
    return std::nullopt;
  };
  Result<std::optional<std::string>> ac = remote_->Get(RemoteStore::kAc, key);
  if (!ac.ok()) return remote_trouble(ac.status());
  if (!*ac) return std::nullopt;
  Result<CacheEntry> entry = LocalStore::EntryFromJson(**ac);
  if (!entry.ok() || entry->key != key) {
    return remote_trouble(
        Status::Error(fmt::format("remote cache entry {} is not valid", key.substr(0, 12))));
  }
  fs::path archive;
  if (!entry->archive_sha256.empty()) {
    Result<std::optional<std::string>> blob =
        remote_->Get(RemoteStore::kCas, entry->archive_sha256);
    if (!blob.ok()) return remote_trouble(blob.status());
    if (!*blob) return std::nullopt;
    if (Sha256Hex(**blob) != entry->archive_sha256) {
      return remote_trouble(Status::Error(fmt::format(
          "remote cache blob {} does not match its digest", entry->archive_sha256.substr(0, 12))));
    }
    archive = TempName(store_.dir() / "tmp", "download");
    std::ofstream(archive, std::ios::binary) << **blob;
  }
  if (Status s = store_.Store(*entry, archive); !s.ok()) warnings->push_back(s.message());
  return std::move(*entry);
}

Status TaskCache::Restore(const CacheEntry& entry) {
  if (entry.archive_sha256.empty()) return Status();
  // Skip the archive when every file is already in place (a no-op re-run).
  std::vector<fs::path> paths;
  for (const auto& [path, digest] : entry.files) paths.push_back(options_.workspace / path);
  bool in_place = std::all_of(paths.begin(), paths.end(), [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
  });
  if (in_place) {
    Result<std::vector<std::string>> digests = hasher_.DigestAll(paths);
    if (digests.ok()) {
      bool same = true;
      for (size_t i = 0; i < paths.size(); ++i) same &= (*digests)[i] == entry.files[i].second;
      if (same) return Status();
    }
  }
  TASKR_RETURN_IF_ERROR(store_.VerifyArchive(entry));
  return UnpackArchive(store_.ArchivePath(entry.archive_sha256), options_.workspace);
}

Result<std::vector<std::string>> TaskCache::OutputFiles(
    const std::vector<std::string>& patterns) const {
  std::vector<std::string> files;
  for (const std::string& pattern : patterns) {
    std::string error;
    std::optional<sdk::Glob> glob = sdk::Glob::Parse(pattern, &error);
    if (!glob) return Status::Error(fmt::format("outputs: {}", error));
    std::string literal = glob->LiteralPath();
    std::error_code ec;
    if (!literal.empty() && fs::is_directory(options_.workspace / literal, ec)) {
      glob = sdk::Glob::Parse(literal + "/**", &error);
    }
    std::vector<std::string> found = glob->Expand(options_.workspace);
    if (found.empty()) {
      return Status::Error(fmt::format("declared output '{}' was not produced", pattern));
    }
    files.insert(files.end(), found.begin(), found.end());
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

Status TaskCache::Save(const CacheRequest& req, const KeyRecord& record, const TaskResult& result,
                       const std::string& log, std::vector<std::string>* warnings) {
  Result<std::vector<std::string>> files = OutputFiles(req.outputs);
  if (!files.ok()) return files.status();
  CacheEntry entry;
  entry.key = record.Key();
  entry.task = req.node->id;
  entry.record = record.Text();
  entry.outputs = result.outputs;
  entry.log = log;
  entry.findings = result.findings;
  entry.artifacts = result.artifacts;
  entry.summary = result.summary;
  entry.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(result.Duration()).count();
  fs::path archive;
  if (!files->empty() && !options_.secrets.empty()) {
    for (const auto& f : *files) {
      bool ok = false;
      std::string content = ReadFile(options_.workspace / f, &ok);
      for (const auto& secret : options_.secrets) {
        if (ok && !secret.empty() && content.find(secret) != std::string::npos) {
          warnings->push_back(
              fmt::format("not cached: output {} contains the value of a secret", f));
          return Status();
        }
      }
    }
  }
  if (!files->empty()) {
    std::vector<fs::path> absolute;
    for (const auto& f : *files) absolute.push_back(options_.workspace / f);
    Result<std::vector<std::string>> digests = hasher_.DigestAll(absolute);
    if (!digests.ok()) return digests.status();
    for (size_t i = 0; i < files->size(); ++i) entry.files.emplace_back((*files)[i], (*digests)[i]);
    archive = TempName(store_.dir() / "tmp", "pack") + ".tar.zst";
    if (Status s = PackArchive(options_.workspace, *files, archive); !s.ok()) {
      warnings->push_back(fmt::format("cache: not stored: {}", s.message()));
      return Status();
    }
    Result<std::string> digest = Sha256File(archive.string());
    if (!digest.ok()) return Status();
    entry.archive_sha256 = *digest;
  }
  if (Status s = store_.Store(entry, archive); !s.ok()) {
    warnings->push_back(s.message());  // a full disk costs the cache entry, not the run
    return Status();
  }
  if (remote_ && !options_.remote->read_only && !remote_down_) {
    fs::path stored =
        entry.archive_sha256.empty() ? fs::path() : store_.ArchivePath(entry.archive_sha256);
    Upload(std::move(entry), stored);
  }
  return Status();
}

void TaskCache::Upload(CacheEntry entry, fs::path archive) {
  std::lock_guard<std::mutex> lock(upload_mu_);
  upload_queue_.emplace_back(std::move(entry), std::move(archive));
  if (!uploader_.joinable()) uploader_ = std::thread([this] { UploadLoop(); });
  upload_cv_.notify_one();
}

void TaskCache::UploadLoop() {
  while (true) {
    std::pair<CacheEntry, fs::path> job;
    {
      std::unique_lock<std::mutex> lock(upload_mu_);
      upload_cv_.wait(lock, [&] { return upload_closed_ || !upload_queue_.empty(); });
      if (upload_queue_.empty()) return;
      job = std::move(upload_queue_.front());
      upload_queue_.pop_front();
    }
    const CacheEntry& entry = job.first;
    if (remote_down_) continue;
    auto warn = [&](const Status& s) {
      std::vector<std::string> w;
      RemoteTrouble(s, &w);
      std::lock_guard<std::mutex> l(upload_mu_);
      for (auto& m : w) upload_warnings_.push_back(fmt::format("{} (not uploaded)", m));
    };
    if (!entry.archive_sha256.empty()) {
      bool ok = false;
      std::string blob = ReadFile(job.second, &ok);
      if (!ok) continue;
      Result<bool> exists = remote_->Head(RemoteStore::kCas, entry.archive_sha256);
      if (!exists.ok()) {
        warn(exists.status());
        continue;
      }
      if (!*exists) {
        if (Status s = remote_->Put(RemoteStore::kCas, entry.archive_sha256, blob); !s.ok()) {
          warn(s);
          continue;
        }
      }
    }
    if (Status s = remote_->Put(RemoteStore::kAc, entry.key, LocalStore::EntryToJson(entry));
        !s.ok()) {
      warn(s);
    }
  }
}

void TaskCache::LoadRecords() const {
  if (records_) return;
  records_.emplace();
  bool ok = false;
  std::string text = ReadFile(options_.workspace / ".taskr" / "cache" / "records.json", &ok);
  if (!ok) return;
  Result<Value> parsed = ParseJson(text);
  if (parsed.ok() && parsed->is_object()) records_ = parsed->as_object();
}

void TaskCache::SaveRecords() {
  if (!records_dirty_ || !records_) return;
  fs::path path = options_.workspace / ".taskr" / "cache" / "records.json";
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::string tmp = TempName(path.parent_path(), "records");
  std::ofstream(tmp, std::ios::binary) << Value(*records_).ToJson(-1);
  fs::rename(tmp, path, ec);
  records_dirty_ = false;
}

std::vector<std::string> TaskCache::ExplainMiss(const TaskNode& node,
                                                const KeyRecord& record) const {
  LoadRecords();
  auto it = records_->find(node.id);
  if (it == records_->end() || !it->second.is_string()) return {};
  Result<KeyRecord> previous = KeyRecord::Parse(it->second.as_string());
  if (!previous.ok()) return {};
  return DiffRecords(*previous, record);
}

void TaskCache::Remember(const TaskNode& node, const KeyRecord& record) {
  LoadRecords();
  records_->insert_or_assign(node.id, Value(record.Text()));
  records_dirty_ = true;
}

void TaskCache::Finish(std::vector<std::string>* warnings) {
  {
    std::lock_guard<std::mutex> lock(upload_mu_);
    upload_closed_ = true;
  }
  upload_cv_.notify_all();
  if (uploader_.joinable()) uploader_.join();  // each request is bounded by the remote's timeout
  {
    std::lock_guard<std::mutex> lock(upload_mu_);
    warnings->insert(warnings->end(), upload_warnings_.begin(), upload_warnings_.end());
    upload_warnings_.clear();
  }
  hasher_.Save();
  SaveRecords();
}

}  // namespace taskr
