#include "runner/cache/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>  // mkdtemp
#include <sys/stat.h>
#include <sys/sysmacros.h>  // makedev
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include "tests/unit/temp_dir.h"

namespace taskr {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;

// TempDir names its folders after this test file.
class TempDir : public taskr::test::TempDir {
 public:
  TempDir() : taskr::test::TempDir("archive") {}
};

void WriteFile(const fs::path& path, const std::string& content, fs::perms mode = fs::perms(0644)) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
  fs::permissions(path, mode);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void SetMtime(const fs::path& path, time_t sec, long nsec) {
  timespec times[2] = {{sec, nsec}, {sec, nsec}};
  REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

struct stat Lstat(const fs::path& path) {
  struct stat st {};
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st;
}

// Listing returns every path under `dir` (not following symlinks), or nothing when it is absent.
std::vector<std::string> Listing(const fs::path& dir) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    paths.push_back(it->path().lexically_relative(dir).string());
  }
  return paths;
}

// Crafted is one entry of an archive written directly with libarchive.
struct Crafted {
  std::string path{};
  mode_t type = AE_IFREG;
  std::string body{};
  std::string symlink{};
  std::string hardlink{};
};

void WriteCrafted(const fs::path& file, const std::vector<Crafted>& entries) {
  archive* a = archive_write_new();
  REQUIRE(archive_write_set_format_pax(a) == ARCHIVE_OK);
  REQUIRE(archive_write_add_filter_zstd(a) == ARCHIVE_OK);
  REQUIRE(archive_write_open_filename(a, file.c_str()) == ARCHIVE_OK);
  for (const Crafted& c : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, c.path.c_str());
    archive_entry_set_filetype(e, c.type);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(c.body.size()));
    if (!c.symlink.empty()) archive_entry_set_symlink(e, c.symlink.c_str());
    if (!c.hardlink.empty()) archive_entry_set_hardlink(e, c.hardlink.c_str());
    if (c.type == AE_IFCHR || c.type == AE_IFBLK) archive_entry_set_rdev(e, makedev(1, 3));
    INFO(c.path);
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (!c.body.empty()) {
      REQUIRE(archive_write_data(a, c.body.data(), c.body.size()) ==
              static_cast<la_ssize_t>(c.body.size()));
    }
    archive_entry_free(e);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
}

// Pack packs `paths` under `root` into `archive`, requiring success.
void Pack(const fs::path& root, const std::vector<std::string>& paths, const fs::path& archive) {
  Status s = PackArchive(root, paths, archive);
  INFO(s.message());
  REQUIRE(s.ok());
}

void Unpack(const fs::path& archive, const fs::path& root) {
  Status s = UnpackArchive(archive, root);
  INFO(s.message());
  REQUIRE(s.ok());
}

TEST_CASE("archives round-trip files, folders, symlinks, modes and mtimes", "[archive]") {
  TempDir tmp;
  fs::path src = tmp.path() / "src";
  WriteFile(src / "dist/bin/app", "#!/bin/sh\necho hi\n", fs::perms(0755));
  WriteFile(src / "dist/lib/deep/data.txt", "data", fs::perms(0640));
  WriteFile(src / "dist/caf\xc3\xa9.txt", "accent");
  fs::create_directories(src / "dist/empty");
  fs::permissions(src / "dist/empty", fs::perms(0750));
  fs::create_symlink("bin/app", src / "dist/run");
  SetMtime(src / "dist/bin/app", 1700000000, 123456789);
  SetMtime(src / "dist/lib/deep/data.txt", 1600000000, 5);
  SetMtime(src / "dist/empty", 1500000000, 42);
  SetMtime(src / "dist/run", 1400000000, 0);

  fs::path archive = tmp.path() / "out.tar.zst";
  Pack(src,
       {"dist/run", "./dist/bin/app", "dist/lib/deep/data.txt", "dist/empty/", "dist/bin/app",
        "dist/caf\xc3\xa9.txt"},
       archive);
  CHECK(!fs::exists(archive.string() + ".tmp." + std::to_string(getpid())));

  auto listed = ListArchive(archive);
  REQUIRE(listed.ok());
  CHECK(*listed == std::vector<std::string>{"dist/bin/app", "dist/caf\xc3\xa9.txt", "dist/empty",
                                            "dist/lib/deep/data.txt", "dist/run"});

  fs::path dst = tmp.path() / "dst";
  Unpack(archive, dst);
  CHECK(ReadFile(dst / "dist/bin/app") == "#!/bin/sh\necho hi\n");
  CHECK(ReadFile(dst / "dist/lib/deep/data.txt") == "data");
  CHECK(ReadFile(dst / "dist/caf\xc3\xa9.txt") == "accent");
  CHECK(fs::read_symlink(dst / "dist/run") == "bin/app");
  CHECK(fs::is_directory(dst / "dist/empty"));
  CHECK(fs::is_empty(dst / "dist/empty"));

  struct stat app = Lstat(dst / "dist/bin/app");
  CHECK((app.st_mode & 07777) == 0755);
  CHECK(app.st_mtim.tv_sec == 1700000000);
  CHECK(app.st_mtim.tv_nsec == 123456789);
  struct stat data = Lstat(dst / "dist/lib/deep/data.txt");
  CHECK((data.st_mode & 07777) == 0640);
  CHECK(data.st_mtim.tv_sec == 1600000000);
  struct stat empty = Lstat(dst / "dist/empty");
  CHECK((empty.st_mode & 07777) == 0750);
  CHECK(empty.st_mtim.tv_sec == 1500000000);
  CHECK(Lstat(dst / "dist/run").st_mtim.tv_sec == 1400000000);
  // Nothing but the entries, and no temporary files left behind.
  CHECK(Listing(dst).size() == 9);
}

TEST_CASE("a big file is packed and unpacked intact", "[archive]") {
  TempDir tmp;
  std::string big(20 << 20, '\0');
  uint32_t x = 12345;
  for (char& c : big) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 24);
  }
  WriteFile(tmp.path() / "src/big.bin", big);
  Pack(tmp.path() / "src", {"big.bin"}, tmp.path() / "big.tar.zst");
  Unpack(tmp.path() / "big.tar.zst", tmp.path() / "dst");
  CHECK(fs::file_size(tmp.path() / "dst/big.bin") == big.size());
  CHECK(ReadFile(tmp.path() / "dst/big.bin") == big);
}

TEST_CASE("packing the same tree twice gives the same bytes", "[archive]") {
  TempDir tmp;
  fs::path src = tmp.path() / "src";
  WriteFile(src / "a/b.txt", "b");
  WriteFile(src / "a/c.txt", std::string(100000, 'c'));
  fs::create_symlink("b.txt", src / "a/link");
  fs::create_directories(src / "a/empty");
  std::vector<std::string> paths = {"a/link", "a/c.txt", "a/b.txt", "a/empty"};
  Pack(src, paths, tmp.path() / "one.tar.zst");
  Pack(src, {"a/empty", "a/b.txt", "a/c.txt", "a/link"}, tmp.path() / "two.tar.zst");
  CHECK(ReadFile(tmp.path() / "one.tar.zst") == ReadFile(tmp.path() / "two.tar.zst"));
}

TEST_CASE("packing a missing or escaping path fails and names it", "[archive]") {
  TempDir tmp;
  WriteFile(tmp.path() / "src/there.txt", "x");
  fs::path archive = tmp.path() / "out.tar.zst";

  Status missing = PackArchive(tmp.path() / "src", {"there.txt", "dist/gone.bin"}, archive);
  REQUIRE(!missing.ok());
  CHECK_THAT(missing.message(), StartsWith("cannot pack 'dist/gone.bin': there is no such file"));

  Status up = PackArchive(tmp.path() / "src", {"../secret"}, archive);
  CHECK(up.message() == "cannot pack '../secret': it leaves the workspace");
  Status absolute = PackArchive(tmp.path() / "src", {"/etc/passwd"}, archive);
  CHECK(absolute.message() == "cannot pack '/etc/passwd': it is an absolute path");

  fs::create_symlink("/etc", tmp.path() / "src/etc");
  Status outward = PackArchive(tmp.path() / "src", {"etc"}, archive);
  CHECK(outward.message() == "cannot pack 'etc': it is a symlink to '/etc', outside the workspace");

  CHECK(Listing(tmp.path()) == std::vector<std::string>{"src", "src/etc", "src/there.txt"});
}

TEST_CASE("hostile archives are refused whole, before anything is written", "[archive]") {
  TempDir tmp;
  fs::path outside = tmp.path() / "outside";
  fs::create_directories(outside);
  const Crafted good{.path = "good.txt", .body = "fine"};
  struct Case {
    std::string bad;  // the entry the error must name
    std::vector<Crafted> entries;
    std::string reason;
  };
  std::vector<Case> cases = {
      {"../x", {good, {.path = "../x", .body = "x"}}, "leaves the workspace"},
      {"a/../../x", {good, {.path = "a/../../x", .body = "x"}}, "leaves the workspace"},
      {(outside / "passwd").string(),
       {good, {.path = (outside / "passwd").string(), .body = "root::0:0"}},
       "is an absolute path"},
      {"etc",
       {good, {.path = "etc", .type = AE_IFLNK, .symlink = "/etc"}},
       "outside the workspace"},
      {"a/up",
       {good, {.path = "a/up", .type = AE_IFLNK, .symlink = "../../outside"}},
       "outside the workspace"},
      {"s",
       {good, {.path = "s", .type = AE_IFLNK, .symlink = ".."}, {.path = "s/escape", .body = "x"}},
       "is a symlink to '..', outside the workspace"},
      {"d/s/escape",
       {good, {.path = "d/s", .type = AE_IFLNK, .symlink = ".."}, {.path = "d/s/escape"}},
       "passes through the symlink 'd/s'"},
      {"y",
       {good,
        {.path = "x", .type = AE_IFLNK, .symlink = "."},
        {.path = "y", .type = AE_IFLNK, .symlink = "x/.."}},
       "with '..' after a folder name"},
      {"hard", {good, {.path = "hard", .hardlink = "good.txt"}}, "is a hard link"},
      {"fifo", {good, {.path = "fifo", .type = AE_IFIFO}}, "is a FIFO"},
      {"null", {good, {.path = "null", .type = AE_IFCHR}}, "is a character device"},
      {"disk", {good, {.path = "disk", .type = AE_IFBLK}}, "is a block device"},
      {"good.txt", {good, good}, "appears twice"},
  };
  // A tar cannot hold a socket (libarchive's writer refuses one), so no case for it.
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    // Named by index and reason: the absolute path changes with the temp folder on every run.
    DYNAMIC_SECTION(i << ": " << c.reason) {
      fs::path archive = tmp.path() / "hostile.tar.zst";
      WriteCrafted(archive, c.entries);
      fs::path root = tmp.path() / "root";
      fs::create_directories(root);
      Status s = UnpackArchive(archive, root);
      REQUIRE(!s.ok());
      CHECK_THAT(s.message(), StartsWith("refusing cache archive: entry '" + c.bad + "' "));
      CHECK_THAT(s.message(), ContainsSubstring(c.reason));
      CHECK(Listing(root).empty());
      CHECK(Listing(outside).empty());
      CHECK(!fs::exists(tmp.path() / "x"));
    }
  }
}

TEST_CASE("unpacking replaces existing files and symlinks without following them", "[archive]") {
  TempDir tmp;
  WriteFile(tmp.path() / "src/out/a.txt", "new a");
  WriteFile(tmp.path() / "src/out/b.txt", "new b");
  fs::create_symlink("a.txt", tmp.path() / "src/out/link");
  fs::path archive = tmp.path() / "out.tar.zst";
  Pack(tmp.path() / "src", {"out/a.txt", "out/b.txt", "out/link"}, archive);

  fs::path root = tmp.path() / "root";
  fs::path victim = tmp.path() / "victim.txt";
  WriteFile(victim, "precious");
  WriteFile(root / "out/a.txt", "old a");
  fs::create_symlink(victim, root / "out/b.txt");
  fs::create_symlink(victim, root / "out/link");
  Unpack(archive, root);

  CHECK(ReadFile(root / "out/a.txt") == "new a");
  CHECK(!fs::is_symlink(root / "out/b.txt"));
  CHECK(ReadFile(root / "out/b.txt") == "new b");
  CHECK(fs::read_symlink(root / "out/link") == "a.txt");
  CHECK(ReadFile(victim) == "precious");
  CHECK(Listing(root).size() == 4);
}

TEST_CASE("unpacking never writes through a workspace symlink that leads outside", "[archive]") {
  TempDir tmp;
  fs::path outside = tmp.path() / "outside";
  fs::create_directories(outside);
  fs::path root = tmp.path() / "root";
  fs::create_directories(root);
  fs::create_symlink(outside, root / "out");
  fs::path archive = tmp.path() / "out.tar.zst";
  WriteCrafted(archive,
               {{.path = "first.txt", .body = "1"}, {.path = "out/sub/file", .body = "x"}});

  Status s = UnpackArchive(archive, root);
  REQUIRE(!s.ok());
  CHECK(s.message() ==
        "refusing cache archive: entry 'out/sub/file' goes through the symlink 'out' in the "
        "workspace, which points outside it");
  CHECK(Listing(outside).empty());
  CHECK(Listing(root) == std::vector<std::string>{"out"});
}

TEST_CASE("unpacking follows a workspace symlink that stays inside", "[archive]") {
  TempDir tmp;
  fs::path root = tmp.path() / "root";
  fs::create_directories(root / "real");
  fs::create_symlink("real", root / "build");
  fs::path archive = tmp.path() / "out.tar.zst";
  WriteCrafted(archive, {{.path = "build/app", .body = "app"},
                         {.path = "build/up", .type = AE_IFLNK, .symlink = "../real/app"}});
  Unpack(archive, root);
  CHECK(ReadFile(root / "real/app") == "app");
  CHECK(fs::read_symlink(root / "real/up") == "../real/app");
}

TEST_CASE("a file that is not a cache archive is an error, not a crash", "[archive]") {
  TempDir tmp;
  WriteFile(tmp.path() / "junk.tar.zst", std::string(4096, 'j'));
  Status s = UnpackArchive(tmp.path() / "junk.tar.zst", tmp.path() / "root");
  REQUIRE(!s.ok());
  CHECK_THAT(s.message(), StartsWith("cannot read cache archive " + tmp.path().string()));
  CHECK(!fs::exists(tmp.path() / "root"));
  auto missing = ListArchive(tmp.path() / "nope.tar.zst");
  REQUIRE(!missing.ok());
  CHECK_THAT(missing.status().message(), ContainsSubstring("No such file or directory"));
}

}  // namespace
}  // namespace taskr
