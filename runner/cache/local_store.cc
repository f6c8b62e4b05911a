#include "runner/cache/local_store.h"

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "runner/base/digest.h"
#include "runner/base/read_file.h"
#include "runner/model/json.h"

namespace taskr {

namespace fs = std::filesystem;

namespace {

std::string Str(const Value& obj, std::string_view key) {
  const Value* v = obj.Get(key);
  return v && v->is_string() ? v->as_string() : "";
}

std::vector<Value> Array(const Value& obj, std::string_view key) {
  const Value* v = obj.Get(key);
  return v && v->is_array() ? v->as_array() : std::vector<Value>{};
}

// Touch marks an entry as used, for least-recently-used pruning.
void Touch(const fs::path& file) {
  std::error_code ec;
  fs::last_write_time(file, fs::file_time_type::clock::now(), ec);
}

}  // namespace

fs::path LocalStore::DefaultDir(const EnvLookup& env) {
  if (auto dir = env("TASKR_CACHE_DIR"); dir && !dir->empty()) return *dir;
  if (auto xdg = env("XDG_CACHE_HOME"); xdg && !xdg->empty()) return fs::path(*xdg) / "taskr";
  if (auto home = env("HOME"); home && !home->empty()) return fs::path(*home) / ".cache" / "taskr";
  return fs::temp_directory_path() / "taskr-cache";
}

Result<LocalStore> LocalStore::Open(fs::path dir) {
  std::error_code ec;
  for (const char* sub : {"ac", "cas", "tmp"}) {
    if (!ec) fs::create_directories(dir / sub, ec);
  }
  if (ec)
    return Status::Error(
        fmt::format("cannot create the cache at {}: {}", dir.string(), ec.message()));
  return LocalStore(std::move(dir));
}

fs::path LocalStore::EntryPath(const std::string& key) const {
  return dir_ / "ac" / key.substr(0, 2) / (key + ".json");
}

fs::path LocalStore::ArchivePath(const std::string& sha256) const {
  return dir_ / "cas" / sha256.substr(0, 2) / (sha256 + ".tar.zst");
}

// Publish renames a finished temporary file into place, creating its shard folder.
Status LocalStore::Publish(const fs::path& from, const fs::path& to) const {
  if (rename(from.c_str(), to.c_str()) == 0) return Status();
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (rename(from.c_str(), to.c_str()) == 0) return Status();
  int saved = errno;
  fs::remove(from, ec);
  return Status::Error(fmt::format("cache: cannot write {}: {}", to.string(), strerror(saved)));
}

std::string LocalStore::EntryToJson(const CacheEntry& e) {
  ValueArray files;
  for (const auto& [path, digest] : e.files) {
    files.emplace_back(ValueObject{{"path", Value(path)}, {"sha256", Value(digest)}});
  }
  ValueObject o;
  o.emplace("version", Value(1));
  o.emplace("key", Value(e.key));
  o.emplace("task", Value(e.task));
  o.emplace("record", Value(e.record));
  o.emplace("outputs", Value(e.outputs));
  o.emplace("log", Value(e.log));
  o.emplace("findings", Value(e.findings));
  o.emplace("artifacts", Value(e.artifacts));
  o.emplace("summary", Value(e.summary));
  o.emplace("files", Value(std::move(files)));
  o.emplace("archive_sha256", Value(e.archive_sha256));
  o.emplace("duration_ms", Value(static_cast<double>(e.duration_ms)));
  return Value(std::move(o)).ToJson(-1);
}

Result<CacheEntry> LocalStore::EntryFromJson(std::string_view json) {
  Result<Value> parsed = ParseJson(json);
  if (!parsed.ok()) return parsed.status();
  const Value& v = *parsed;
  if (!v.is_object() || !v.Get("version") || v.Get("version")->ToNumber() != 1) {
    return Status::Error("not a taskr cache entry (or one from another version)");
  }
  CacheEntry e;
  e.key = Str(v, "key");
  e.task = Str(v, "task");
  e.record = Str(v, "record");
  if (const Value* o = v.Get("outputs"); o && o->is_object()) e.outputs = o->as_object();
  e.log = Str(v, "log");
  e.findings = Array(v, "findings");
  e.artifacts = Array(v, "artifacts");
  e.summary = Str(v, "summary");
  for (const Value& f : Array(v, "files")) {
    if (!f.is_object()) return Status::Error("malformed file list");
    e.files.emplace_back(Str(f, "path"), Str(f, "sha256"));
  }
  e.archive_sha256 = Str(v, "archive_sha256");
  if (const Value* d = v.Get("duration_ms")) e.duration_ms = static_cast<int64_t>(d->ToNumber());
  if (e.key.size() != 64) return Status::Error("malformed entry key");
  return e;
}

Result<std::optional<CacheEntry>> LocalStore::Lookup(const std::string& key) const {
  fs::path path = EntryPath(key);
  bool ok = false;
  std::string json = ReadFile(path, &ok);
  if (!ok) return std::optional<CacheEntry>();
  auto damaged = [&](const std::string& why, const fs::path& archive = {}) -> Status {
    std::error_code ec;
    fs::remove(path, ec);
    if (!archive.empty()) fs::remove(archive, ec);
    return Status::Error(
        fmt::format("cache entry {} was damaged ({}); removed it", key.substr(0, 12), why));
  };
  Result<CacheEntry> entry = EntryFromJson(json);
  if (!entry.ok()) return damaged(entry.status().message());
  if (entry->key != key) return damaged("it belongs to another key");
  if (!entry->archive_sha256.empty()) {
    fs::path archive = ArchivePath(entry->archive_sha256);
    std::error_code ec;
    if (!fs::is_regular_file(archive, ec)) return damaged("its output archive is missing");
    Touch(archive);
  }
  Touch(path);
  return std::optional<CacheEntry>(std::move(*entry));
}

Status LocalStore::VerifyArchive(const CacheEntry& entry) const {
  if (entry.archive_sha256.empty()) return Status();
  fs::path archive = ArchivePath(entry.archive_sha256);
  Result<std::string> digest = Sha256File(archive.string());
  if (digest.ok() && *digest == entry.archive_sha256) return Status();
  std::error_code ec;
  fs::remove(EntryPath(entry.key), ec);
  fs::remove(archive, ec);
  return Status::Error(fmt::format(
      "cache entry {} was damaged ({}); removed it", entry.key.substr(0, 12),
      digest.ok() ? "its output archive's digest differs" : "its output archive is missing"));
}

Status LocalStore::Store(const CacheEntry& entry, const fs::path& archive) const {
  static std::mt19937_64 rng{std::random_device{}()};
  if (!archive.empty()) {
    fs::path target = ArchivePath(entry.archive_sha256);
    std::error_code ec;
    if (fs::exists(target, ec)) {
      fs::remove(archive, ec);  // the same content is stored already
    } else {
      TASKR_RETURN_IF_ERROR(Publish(archive, target));
    }
  }
  fs::path tmp =
      dir_ / "tmp" / fmt::format("{}.{}.{:x}.json", entry.key.substr(0, 16), getpid(), rng());
  {
    std::ofstream out(tmp, std::ios::binary);
    out << EntryToJson(entry);
    if (!out.flush()) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return Status::Error(
          fmt::format("cache: cannot store {}: writing failed (disk full?)", entry.task));
    }
  }
  // A concurrent writer of the same key may win the rename; entries of one key
  // are interchangeable.
  return Publish(tmp, EntryPath(entry.key));
}

StoreStats LocalStore::Stats() const {
  StoreStats s;
  std::error_code ec;
  for (const auto& f : fs::recursive_directory_iterator(dir_ / "ac", ec)) {
    if (f.is_regular_file(ec)) {
      ++s.entries;
      s.bytes += f.file_size(ec);
    }
  }
  for (const auto& f : fs::recursive_directory_iterator(dir_ / "cas", ec)) {
    if (f.is_regular_file(ec)) s.bytes += f.file_size(ec);
  }
  return s;
}

StoreStats LocalStore::Prune(uint64_t max_bytes, std::chrono::hours max_age) const {
  struct Item {
    fs::file_time_type used;
    fs::path path;
    uint64_t bytes;
    std::string archive;
  };
  std::vector<Item> items;
  std::map<std::string, uint64_t> archive_bytes;
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& f : fs::recursive_directory_iterator(dir_ / "cas", ec)) {
    if (!f.is_regular_file(ec)) continue;
    std::string name = f.path().filename().string();
    archive_bytes[name.substr(0, name.find('.'))] = f.file_size(ec);
    total += f.file_size(ec);
  }
  for (const auto& f : fs::recursive_directory_iterator(dir_ / "ac", ec)) {
    if (!f.is_regular_file(ec)) continue;
    bool ok = false;
    Result<CacheEntry> e = EntryFromJson(ReadFile(f.path(), &ok));
    Item item{fs::last_write_time(f.path(), ec), f.path(), f.file_size(ec),
              e.ok() ? e->archive_sha256 : ""};
    total += item.bytes;
    items.push_back(std::move(item));
  }
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.used < b.used; });
  std::map<std::string, int> users;
  for (const Item& item : items) ++users[item.archive];
  StoreStats removed;
  auto now = fs::file_time_type::clock::now();
  for (const Item& item : items) {
    bool too_old = max_age.count() > 0 && now - item.used > max_age;
    bool too_big = max_bytes > 0 && total > max_bytes;
    if (!too_old && !too_big) continue;
    fs::remove(item.path, ec);
    total -= item.bytes;
    ++removed.entries;
    removed.bytes += item.bytes;
    // An archive goes with the last entry that uses it.
    if (!item.archive.empty() && --users[item.archive] == 0) {
      fs::remove(ArchivePath(item.archive), ec);
      total -= archive_bytes[item.archive];
      removed.bytes += archive_bytes[item.archive];
    }
  }
  return removed;
}

Status LocalStore::Clean() const {
  std::error_code ec;
  for (const char* sub : {"ac", "cas"}) {
    fs::remove_all(dir_ / sub, ec);
    if (!ec) fs::create_directories(dir_ / sub, ec);
  }
  if (ec) return Status::Error(fmt::format("cannot clean {}: {}", dir_.string(), ec.message()));
  return Status();
}

}  // namespace taskr
