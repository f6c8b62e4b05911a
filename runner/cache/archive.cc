#include "runner/cache/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>

namespace taskr {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunkSize = size_t{1} << 20;  // bytes read(2) at a time while packing
constexpr size_t kReadBlockSize = 64 * 1024;    // bytes libarchive reads at a time

/// Fd owns a file descriptor; -1 means none.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() { Close(); }

  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  /// Close closes the descriptor now and returns close(2)'s result, which can
  /// report a failed write-back.
  int Close() { return fd_ < 0 ? 0 : ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

struct ReadArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ReadArchive = std::unique_ptr<archive, ReadArchiveFree>;
using WriteArchive = std::unique_ptr<archive, WriteArchiveFree>;
using Entry = std::unique_ptr<archive_entry, EntryFree>;

std::string ErrnoText(int err = errno) { return std::generic_category().message(err); }

std::string ArchiveError(archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unknown libarchive error";
}

std::string_view Parent(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

/// SplitPath returns the components of a '/'-separated path, skipping empty ones and ".".
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty() && part != ".") parts.push_back(part);
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
  }
  return parts;
}

// ---- The rules every entry meets, when packed and again when unpacked ----

/// EntryHeader is what decides whether an archive entry may be extracted.
struct EntryHeader {
  std::string raw;      // the path as written in the archive
  std::string path;     // `raw` made relative and '/'-joined; set by CheckEntries
  mode_t type = 0;      // AE_IFREG, AE_IFDIR, AE_IFLNK, ...
  std::string symlink;  // the target when type is AE_IFLNK, kept as is
  bool hardlink = false;

  // `path` is derived from `raw`, so it is left out.
  bool operator==(const EntryHeader& other) const {
    return raw == other.raw && type == other.type && symlink == other.symlink &&
           hardlink == other.hardlink;
  }
};

/// Refusal names an entry and says, as a predicate ("leaves the workspace"), why it is refused.
struct Refusal {
  std::string entry;
  std::string reason;
};

/// RelativePath returns `raw` as a relative path without "." components, or
/// an error whose message is the reason it cannot be one.
Result<std::string> RelativePath(std::string_view raw) {
  if (raw.empty()) return Status::Error("has an empty path");
  if (raw.front() == '/') return Status::Error("is an absolute path");
  std::string path;
  for (std::string_view part : SplitPath(raw)) {
    if (part == "..") return Status::Error("leaves the workspace");
    if (!path.empty()) path += '/';
    path += part;
  }
  if (path.empty()) return Status::Error("names the workspace itself");
  return path;
}

std::optional<std::string> TypeProblem(const EntryHeader& entry) {
  if (entry.hardlink) return "is a hard link";
  switch (entry.type) {
    case AE_IFREG:
    case AE_IFDIR:
    case AE_IFLNK:
      return std::nullopt;
    case AE_IFCHR:
      return "is a character device";
    case AE_IFBLK:
      return "is a block device";
    case AE_IFIFO:
      return "is a FIFO";
    case AE_IFSOCK:
      return "is a socket";
    default:
      return "is neither a file, a folder nor a symlink";
  }
}

/// SymlinkProblem judges `target` for a link in `folder` (relative to the
/// workspace and free of symlinks). Resolving lexically is exact only while
/// ".." comes first, before the link descends into a folder that might itself
/// be a symlink, so a ".." after a name is refused too.
std::optional<std::string> SymlinkProblem(std::string_view folder, std::string_view target) {
  if (target.empty()) return "is a symlink with an empty target";
  auto outside = [&] { return fmt::format("is a symlink to '{}', outside the workspace", target); };
  if (target.front() == '/') return outside();
  int depth = static_cast<int>(SplitPath(folder).size());
  bool descended = false;
  for (std::string_view part : SplitPath(target)) {
    if (part != "..") {
      descended = true;
    } else if (descended) {
      return fmt::format("is a symlink to '{}', with '..' after a folder name", target);
    } else if (--depth < 0) {
      return outside();
    }
  }
  return std::nullopt;
}

/// CheckEntries normalizes each entry's path and returns the first entry that
/// must not be extracted anywhere: a bad path or type, a symlink leaving the
/// archive's root, a path met twice, or a path through a symlink of the archive.
std::optional<Refusal> CheckEntries(std::vector<EntryHeader>& entries) {
  std::set<std::string, std::less<>> paths;
  std::set<std::string, std::less<>> symlinks;
  for (EntryHeader& entry : entries) {
    Result<std::string> path = RelativePath(entry.raw);
    if (!path.ok()) return Refusal{entry.raw, path.status().message()};
    entry.path = std::move(*path);
    if (auto problem = TypeProblem(entry)) return Refusal{entry.raw, *problem};
    if (!paths.insert(entry.path).second) return Refusal{entry.raw, "appears twice"};
    if (entry.type == AE_IFLNK) {
      if (auto problem = SymlinkProblem(Parent(entry.path), entry.symlink)) {
        return Refusal{entry.raw, *problem};
      }
      symlinks.insert(entry.path);
    }
  }
  for (const EntryHeader& entry : entries) {
    for (std::string_view folder = Parent(entry.path); !folder.empty(); folder = Parent(folder)) {
      if (symlinks.contains(folder)) {
        return Refusal{entry.raw, fmt::format("passes through the symlink '{}'", folder)};
      }
    }
  }
  return std::nullopt;
}

// ---- Reading ----

/// ForEachEntry reads the archive open at `fd` from its start and calls
/// `visit` with each entry, stopping at the first error.
Status ForEachEntry(int fd, const fs::path& archive_path,
                    const std::function<Status(archive*, archive_entry*)>& visit) {
  auto fail = [&](const std::string& why) {
    return Status::Error(
        fmt::format("cannot read cache archive {}: {}", archive_path.string(), why));
  };
  if (lseek(fd, 0, SEEK_SET) < 0) return fail(ErrnoText());
  ReadArchive reader(archive_read_new());
  if (!reader) return fail("out of memory");
  archive_read_support_filter_zstd(reader.get());
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_fd(reader.get(), fd, kReadBlockSize) != ARCHIVE_OK) {
    return fail(ArchiveError(reader.get()));
  }
  archive_entry* entry = nullptr;
  while (true) {
    int r = archive_read_next_header(reader.get(), &entry);
    if (r == ARCHIVE_EOF) return Status();
    if (r < ARCHIVE_WARN) return fail(ArchiveError(reader.get()));
    TASKR_RETURN_IF_ERROR(visit(reader.get(), entry));
  }
}

Result<Fd> OpenArchive(const fs::path& archive_path) {
  Fd fd(open(archive_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) {
    return Status::Error(
        fmt::format("cannot open cache archive {}: {}", archive_path.string(), ErrnoText()));
  }
  return fd;
}

EntryHeader HeaderOf(archive_entry* entry) {
  const char* path = archive_entry_pathname(entry);
  const char* symlink = archive_entry_symlink(entry);
  EntryHeader header;
  header.raw = path ? path : "";
  header.type = archive_entry_filetype(entry);
  header.symlink = symlink ? symlink : "";
  header.hardlink = archive_entry_hardlink(entry) != nullptr;
  return header;
}

// ---- Unpacking into a workspace ----

/// Placement says where an entry lands: `folder` is its folder (the entry
/// itself for a folder entry) with the workspace's symlinks resolved, relative
/// to the canonical root; `name` is its last component, empty for a folder.
struct Placement {
  std::string folder;
  std::string name;
};

/// ResolveInside returns `folder` (relative to `root`, canonical) with the
/// workspace's symlinks resolved, relative to `root`, or nullopt when it
/// resolves outside `root`.
Result<std::optional<std::string>> ResolveInside(const fs::path& root, std::string_view folder) {
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(folder.empty() ? root : root / folder, ec);
  if (ec) return Status::Error(fmt::format("cannot resolve '{}': {}", folder, ec.message()));
  fs::path relative = resolved.lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") return std::optional<std::string>();
  return std::optional<std::string>(relative == "." ? "" : relative.string());
}

/// OutwardSymlink returns the shortest prefix of `folder` that resolves outside `root`.
std::string_view OutwardSymlink(const fs::path& root, std::string_view folder) {
  for (size_t end = folder.find('/');; end = folder.find('/', end + 1)) {
    std::string_view prefix = folder.substr(0, end);
    Result<std::optional<std::string>> resolved = ResolveInside(root, prefix);
    if (end == std::string_view::npos || (resolved.ok() && !*resolved)) return prefix;
  }
}

/// Place resolves where `entry` lands under `root` (canonical) as the
/// workspace is now; an error's message says why the entry may not land there.
/// Symlinks already in the workspace are followed only while they stay inside it.
Result<Placement> Place(const fs::path& root, const EntryHeader& entry) {
  bool is_folder = entry.type == AE_IFDIR;
  std::string_view folder = is_folder ? std::string_view(entry.path) : Parent(entry.path);
  Result<std::optional<std::string>> resolved = ResolveInside(root, folder);
  if (!resolved.ok()) return resolved.status();
  if (!*resolved) {
    return Status::Error(
        fmt::format("goes through the symlink '{}' in the workspace, which points outside it",
                    OutwardSymlink(root, folder)));
  }
  Placement place{std::move(**resolved), is_folder ? "" : std::string(BaseName(entry.path))};
  if (entry.type == AE_IFLNK) {
    if (auto problem = SymlinkProblem(place.folder, entry.symlink)) return Status::Error(*problem);
  }
  return place;
}

/// OpenFolder opens `folder` under `root_fd` one component at a time without
/// following symlinks, creating missing folders when `create` is set.
Result<Fd> OpenFolder(int root_fd, std::string_view folder, bool create) {
  constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  Fd current(openat(root_fd, ".", kFlags));
  if (!current.ok()) return Status::Error(ErrnoText());
  std::string_view walked;
  for (std::string_view part : SplitPath(folder)) {
    walked = folder.substr(0, part.data() + part.size() - folder.data());
    std::string name(part);
    Fd next(openat(current.get(), name.c_str(), kFlags));
    if (!next.ok() && errno == ENOENT && create) {
      if (mkdirat(current.get(), name.c_str(), 0777) != 0 && errno != EEXIST) {
        return Status::Error(fmt::format("cannot create folder '{}': {}", walked, ErrnoText()));
      }
      next = Fd(openat(current.get(), name.c_str(), kFlags));
    }
    if (!next.ok()) {
      int err = errno;
      if (err == ELOOP || err == ENOTDIR)
        return Status::Error(fmt::format("'{}' is not a folder", walked));
      return Status::Error(fmt::format("cannot open folder '{}': {}", walked, ErrnoText(err)));
    }
    current = std::move(next);
  }
  return current;
}

std::array<timespec, 2> TimesOf(archive_entry* entry) {
  timespec mtime{0, UTIME_OMIT};
  if (archive_entry_mtime_is_set(entry)) {
    mtime = timespec{archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)};
  }
  return {timespec{0, UTIME_OMIT}, mtime};
}

/// TempName returns a name, unique within this process, for a file being
/// written beside its final name.
std::string TempName() {
  static std::atomic<unsigned> counter{0};
  return fmt::format(".taskr-restore.{}.{}", getpid(), counter++);
}

/// Extractor writes validated entries under one workspace root.
class Extractor {
 public:
  Extractor(fs::path root, Fd root_fd) : root_(std::move(root)), root_fd_(std::move(root_fd)) {}

  /// Extract writes the entry `reader` is at, whose header is `header`.
  Status Extract(archive* reader, archive_entry* entry, const EntryHeader& header) {
    Result<Placement> place = Place(root_, header);
    if (!place.ok()) return Failed(header, place.status().message());
    Result<Fd> folder = OpenFolder(root_fd_.get(), place->folder, /*create=*/true);
    if (!folder.ok()) return Failed(header, folder.status().message());
    Status written;
    if (header.type == AE_IFDIR) {
      folders_.push_back({place->folder, archive_entry_perm(entry), TimesOf(entry)});
    } else if (header.type == AE_IFREG) {
      written = WriteFile(reader, entry, folder->get(), place->name);
    } else {
      written = WriteSymlink(entry, header.symlink, folder->get(), place->name);
    }
    if (!written.ok()) return Failed(header, written.message());
    return Status();
  }

  /// Finish sets the mode and mtime of the folder entries, deepest first, once
  /// nothing more is written into them.
  Status Finish() {
    for (auto it = folders_.rbegin(); it != folders_.rend(); ++it) {
      Result<Fd> folder = OpenFolder(root_fd_.get(), it->path, /*create=*/false);
      if (!folder.ok()) return Status::Error(folder.status().message());
      if (fchmod(folder->get(), it->mode & 0777) != 0 ||
          futimens(folder->get(), it->times.data()) != 0) {
        return Status::Error(fmt::format("cannot restore folder '{}': {}", it->path, ErrnoText()));
      }
    }
    return Status();
  }

 private:
  struct FolderTimes {
    std::string path;
    mode_t mode;
    std::array<timespec, 2> times;
  };

  static Status Failed(const EntryHeader& header, const std::string& why) {
    return Status::Error(fmt::format("cannot restore '{}' from the cache: {}", header.raw, why));
  }

  /// WriteFile streams the entry's data into a new file beside `name`, then
  /// renames it over `name`, so a reader never sees half a file and an
  /// existing symlink at `name` is replaced, not followed.
  static Status WriteFile(archive* reader, archive_entry* entry, int folder,
                          const std::string& name) {
    std::string temp = TempName();
    Fd out(
        openat(folder, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.ok()) return Status::Error(ErrnoText());
    Status s = WriteData(reader, out.get());
    if (s.ok() && archive_entry_size_is_set(entry) &&
        ftruncate(out.get(), archive_entry_size(entry)) != 0) {
      s = Status::Error(ErrnoText());
    }
    if (s.ok() && (fchmod(out.get(), archive_entry_perm(entry) & 0777) != 0 ||
                   futimens(out.get(), TimesOf(entry).data()) != 0 || out.Close() != 0)) {
      s = Status::Error(ErrnoText());
    }
    return ReplaceWith(folder, temp, name, s);
  }

  static Status WriteData(archive* reader, int out) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while (true) {
      int r = archive_read_data_block(reader, &block, &size, &offset);
      if (r == ARCHIVE_EOF) return Status();
      if (r < ARCHIVE_WARN) return Status::Error(ArchiveError(reader));
      const char* data = static_cast<const char*>(block);
      while (size > 0) {
        ssize_t n = pwrite(out, data, size, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Status::Error(ErrnoText());
        data += n;
        size -= static_cast<size_t>(n);
        offset += n;
      }
    }
  }

  static Status WriteSymlink(archive_entry* entry, const std::string& target, int folder,
                             const std::string& name) {
    std::string temp = TempName();
    if (symlinkat(target.c_str(), folder, temp.c_str()) != 0) return Status::Error(ErrnoText());
    Status s;
    if (utimensat(folder, temp.c_str(), TimesOf(entry).data(), AT_SYMLINK_NOFOLLOW) != 0) {
      s = Status::Error(ErrnoText());
    }
    return ReplaceWith(folder, temp, name, s);
  }

  /// ReplaceWith renames `temp` over `name` when `written` is ok, and removes `temp` otherwise.
  static Status ReplaceWith(int folder, const std::string& temp, const std::string& name,
                            Status written) {
    if (written.ok() && renameat(folder, temp.c_str(), folder, name.c_str()) != 0) {
      written = Status::Error(ErrnoText());
    }
    if (!written.ok()) unlinkat(folder, temp.c_str(), 0);
    return written;
  }

  fs::path root_;
  Fd root_fd_;
  std::vector<FolderTimes> folders_;
};

Status Refuse(const Refusal& refusal) {
  return Status::Error(
      fmt::format("refusing cache archive: entry '{}' {}", refusal.entry, refusal.reason));
}

/// ReadHeaders is the first pass of unpacking: every header, no data written.
Result<std::vector<EntryHeader>> ReadHeaders(int fd, const fs::path& archive_path) {
  std::vector<EntryHeader> headers;
  TASKR_RETURN_IF_ERROR(ForEachEntry(fd, archive_path, [&](archive*, archive_entry* entry) {
    headers.push_back(HeaderOf(entry));
    return Status();
  }));
  return headers;
}

/// CheckPlacements refuses an entry that would land outside `root` through a
/// symlink already in the workspace.
std::optional<Refusal> CheckPlacements(const fs::path& root,
                                       const std::vector<EntryHeader>& headers) {
  for (const EntryHeader& header : headers) {
    Result<Placement> place = Place(root, header);
    if (!place.ok()) return Refusal{header.raw, place.status().message()};
  }
  return std::nullopt;
}

Result<Fd> OpenRoot(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Status::Error(fmt::format("cannot create {}: {}", root.string(), ec.message()));
  Fd fd(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok()) return Status::Error(fmt::format("cannot open {}: {}", root.string(), ErrnoText()));
  return fd;
}

Status Unpack(const fs::path& archive_path, const fs::path& root_arg) {
  Result<Fd> file = OpenArchive(archive_path);
  if (!file.ok()) return file.status();
  Result<std::vector<EntryHeader>> headers = ReadHeaders(file->get(), archive_path);
  if (!headers.ok()) return headers.status();
  if (auto refusal = CheckEntries(*headers)) return Refuse(*refusal);

  std::error_code ec;
  fs::path root = fs::absolute(root_arg, ec);
  if (!ec) root = fs::weakly_canonical(root, ec);
  if (ec)
    return Status::Error(fmt::format("cannot resolve {}: {}", root_arg.string(), ec.message()));
  if (auto refusal = CheckPlacements(root, *headers)) return Refuse(*refusal);

  Result<Fd> root_fd = OpenRoot(root);
  if (!root_fd.ok()) return root_fd.status();
  Extractor extractor(root, std::move(*root_fd));
  size_t index = 0;
  // The second pass reads the same open file again; the headers must match the
  // ones just checked, entry for entry.
  TASKR_RETURN_IF_ERROR(
      ForEachEntry(file->get(), archive_path, [&](archive* reader, archive_entry* entry) {
        if (index >= headers->size() || !(HeaderOf(entry) == (*headers)[index])) {
          return Status::Error(fmt::format("cache archive {} changed while it was extracted",
                                           archive_path.string()));
        }
        return extractor.Extract(reader, entry, (*headers)[index++]);
      }));
  return extractor.Finish();
}

// ---- Packing ----

/// PackItem is one path to pack, with what lstat(2) said of it.
struct PackItem {
  EntryHeader header;
  struct stat st = {};
};

/// NormalizeInputs makes `paths` relative, '/'-joined, sorted and unique.
Result<std::vector<std::string>> NormalizeInputs(const std::vector<std::string>& paths) {
  std::vector<std::string> normalized;
  normalized.reserve(paths.size());
  for (const std::string& raw : paths) {
    Result<std::string> path = RelativePath(raw);
    if (!path.ok()) {
      return Status::Error(fmt::format("cannot pack '{}': it {}", raw, path.status().message()));
    }
    normalized.push_back(std::move(*path));
  }
  std::sort(normalized.begin(), normalized.end());
  normalized.erase(std::unique(normalized.begin(), normalized.end()), normalized.end());
  return normalized;
}

Result<std::vector<PackItem>> StatInputs(const fs::path& root,
                                         const std::vector<std::string>& paths) {
  std::vector<PackItem> items;
  for (const std::string& path : paths) {
    PackItem item;
    item.header.raw = path;
    fs::path full = root / path;
    if (lstat(full.c_str(), &item.st) != 0) {
      if (errno == ENOENT) {
        return Status::Error(fmt::format("cannot pack '{}': there is no such file or folder in {}",
                                         path, root.string()));
      }
      return Status::Error(fmt::format("cannot pack '{}': {}", path, ErrnoText()));
    }
    item.header.type = item.st.st_mode & S_IFMT;
    if (item.header.type == AE_IFLNK) {
      std::error_code ec;
      item.header.symlink = fs::read_symlink(full, ec).string();
      if (ec) return Status::Error(fmt::format("cannot pack '{}': {}", path, ec.message()));
    }
    items.push_back(std::move(item));
  }
  return items;
}

/// NewEntry makes a header that depends only on the path, type, mode, mtime
/// and size, so that packing the same tree twice gives the same bytes.
Entry NewEntry(const PackItem& item, const struct stat& st) {
  Entry entry(archive_entry_new());
  archive_entry_copy_pathname(entry.get(), item.header.path.c_str());
  archive_entry_set_filetype(entry.get(), item.header.type);
  archive_entry_set_perm(entry.get(), st.st_mode & 07777);
  archive_entry_set_uid(entry.get(), 0);
  archive_entry_set_gid(entry.get(), 0);
  archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  archive_entry_set_size(entry.get(), item.header.type == AE_IFREG ? st.st_size : 0);
  if (item.header.type == AE_IFLNK) {
    archive_entry_copy_symlink(entry.get(), item.header.symlink.c_str());
  }
  return entry;
}

/// AddFile writes a regular file's header and streams its content in chunks.
Status AddFile(archive* writer, const fs::path& root, const PackItem& item,
               std::vector<char>& buffer) {
  const std::string& path = item.header.path;
  Fd in(open((root / path).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!in.ok() || fstat(in.get(), &st) != 0) {
    return Status::Error(fmt::format("cannot pack '{}': {}", path, ErrnoText()));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::Error(fmt::format("cannot pack '{}': it changed while being packed", path));
  }
  Entry entry = NewEntry(item, st);
  if (archive_write_header(writer, entry.get()) != ARCHIVE_OK) {
    return Status::Error(fmt::format("cannot pack '{}': {}", path, ArchiveError(writer)));
  }
  for (off_t left = st.st_size; left > 0;) {
    ssize_t n = read(in.get(), buffer.data(), std::min<size_t>(buffer.size(), left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Error(fmt::format("cannot read '{}': {}", path, ErrnoText()));
    if (n == 0) {
      return Status::Error(fmt::format("cannot pack '{}': it shrank while being packed", path));
    }
    if (archive_write_data(writer, buffer.data(), static_cast<size_t>(n)) < 0) {
      return Status::Error(fmt::format("cannot pack '{}': {}", path, ArchiveError(writer)));
    }
    left -= n;
  }
  return Status();
}

Status AddItem(archive* writer, const fs::path& root, const PackItem& item,
               std::vector<char>& buffer) {
  if (item.header.type == AE_IFREG) return AddFile(writer, root, item, buffer);
  if (item.header.type != AE_IFDIR && item.header.type != AE_IFLNK) {
    return Status::Error(fmt::format(
        "cannot pack '{}': it is neither a file, a folder nor a symlink", item.header.path));
  }
  Entry entry = NewEntry(item, item.st);
  if (archive_write_header(writer, entry.get()) != ARCHIVE_OK) {
    return Status::Error(
        fmt::format("cannot pack '{}': {}", item.header.path, ArchiveError(writer)));
  }
  return Status();
}

/// WriteItems writes `items` as a zstd-compressed pax tar to `fd`.
Status WriteItems(int fd, const fs::path& root, const std::vector<PackItem>& items) {
  WriteArchive writer(archive_write_new());
  if (!writer) return Status::Error("cannot create an archive writer: out of memory");
  // Full pax, not the restricted kind: only full pax headers keep mtime
  // nanoseconds. hdrcharset=BINARY stores names as the bytes they are.
  if (archive_write_set_format_pax(writer.get()) != ARCHIVE_OK ||
      archive_write_set_format_option(writer.get(), "pax", "hdrcharset", "BINARY") != ARCHIVE_OK ||
      archive_write_add_filter_zstd(writer.get()) != ARCHIVE_OK ||
      // Level 1: most outputs are small, and setting up a level-3 context
      // cost more than the compression saved.
      archive_write_set_filter_option(writer.get(), "zstd", "compression-level", "1") !=
          ARCHIVE_OK ||
      archive_write_open_fd(writer.get(), fd) != ARCHIVE_OK) {
    return Status::Error(fmt::format("cannot create an archive: {}", ArchiveError(writer.get())));
  }
  std::vector<char> buffer(kChunkSize);
  for (const PackItem& item : items)
    TASKR_RETURN_IF_ERROR(AddItem(writer.get(), root, item, buffer));
  if (archive_write_close(writer.get()) != ARCHIVE_OK) {
    return Status::Error(fmt::format("cannot finish the archive: {}", ArchiveError(writer.get())));
  }
  return Status();
}

Result<std::vector<PackItem>> CollectItems(const fs::path& root,
                                           const std::vector<std::string>& paths) {
  Result<std::vector<std::string>> normalized = NormalizeInputs(paths);
  if (!normalized.ok()) return normalized.status();
  Result<std::vector<PackItem>> items = StatInputs(root, *normalized);
  if (!items.ok()) return items.status();
  // An archive that UnpackArchive would refuse is useless; say so now.
  std::vector<EntryHeader> headers;
  for (const PackItem& item : *items) headers.push_back(item.header);
  if (auto refusal = CheckEntries(headers)) {
    return Status::Error(fmt::format("cannot pack '{}': it {}", refusal->entry, refusal->reason));
  }
  for (size_t i = 0; i < headers.size(); ++i) (*items)[i].header.path = headers[i].path;
  return items;
}

Status Pack(const fs::path& root, const std::vector<std::string>& paths,
            const fs::path& archive_path) {
  Result<std::vector<PackItem>> items = CollectItems(root, paths);
  if (!items.ok()) return items.status();

  fs::path temp = archive_path;
  temp += fmt::format(".tmp.{}", getpid());
  Fd out(open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out.ok())
    return Status::Error(fmt::format("cannot create {}: {}", temp.string(), ErrnoText()));
  Status s = WriteItems(out.get(), root, *items);
  // No fsync: a cache entry torn by a crash fails its digest check on the
  // next lookup and is removed, so durability would only cost time.
  if (s.ok() && out.Close() != 0) {
    s = Status::Error(fmt::format("cannot write {}: {}", temp.string(), ErrnoText()));
  }
  if (s.ok() && rename(temp.c_str(), archive_path.c_str()) != 0) {
    s = Status::Error(fmt::format("cannot rename {} to {}: {}", temp.string(),
                                  archive_path.string(), ErrnoText()));
  }
  if (!s.ok()) unlink(temp.c_str());
  return s;
}

/// Guarded runs `body`, turning an escaping exception (std::bad_alloc, a
/// fs::filesystem_error) into an error Status.
template <typename T, typename Body>
T Guarded(std::string_view what, Body body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return Status::Error(fmt::format("{}: {}", what, e.what()));
  }
}

}  // namespace

Status PackArchive(const fs::path& root, const std::vector<std::string>& paths,
                   const fs::path& archive) {
  return Guarded<Status>("cannot pack the cache archive",
                         [&] { return Pack(root, paths, archive); });
}

Status UnpackArchive(const fs::path& archive, const fs::path& root) {
  return Guarded<Status>("cannot unpack the cache archive", [&] { return Unpack(archive, root); });
}

Result<std::vector<std::string>> ListArchive(const fs::path& archive) {
  return Guarded<Result<std::vector<std::string>>>(
      "cannot list the cache archive", [&]() -> Result<std::vector<std::string>> {
        Result<Fd> file = OpenArchive(archive);
        if (!file.ok()) return file.status();
        Result<std::vector<EntryHeader>> headers = ReadHeaders(file->get(), archive);
        if (!headers.ok()) return headers.status();
        std::vector<std::string> paths;
        for (EntryHeader& header : *headers) {
          // tar marks a folder with a trailing '/'; PackArchive's callers name it without.
          std::string_view path = header.raw;
          while (header.type == AE_IFDIR && path.size() > 1 && path.back() == '/') {
            path.remove_suffix(1);
          }
          paths.emplace_back(path);
        }
        return paths;
      });
}

}  // namespace taskr
