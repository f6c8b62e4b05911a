#include "runner/git/git_info.h"

#include <catch2/catch_test_macros.hpp>

#include <stdio.h>   // popen, pclose
#include <stdlib.h>  // mkdtemp

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "tests/unit/temp_dir.h"

namespace taskr {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kGitHubSha = "0123456789abcdef0123456789abcdef01234567";

// TempDir names its folders after this test file.
class TempDir : public taskr::test::TempDir {
 public:
  TempDir() : taskr::test::TempDir("git_info") {}
};

// GitCommand is a shell command running git in `dir`, unaffected by the user's config and
// by git variables the test runner may have inherited.
std::string GitCommand(const fs::path& dir, std::string_view args) {
  return "cd '" + dir.string() +
         "' && unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_CEILING_DIRECTORIES"
         " && GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git -c user.name=t"
         " -c user.email=t@e -c init.defaultBranch=main -c advice.detachedHead=false " +
         std::string(args) + " 2>/dev/null";
}

// Git runs `git <args>` in `dir`, requires it to succeed and returns its output sans newline.
std::string Git(const fs::path& dir, std::string_view args) {
  INFO("git " << args);
  FILE* pipe = popen(GitCommand(dir, args).c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[256];
  while (std::size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  REQUIRE(pclose(pipe) == 0);
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

bool InsideRepo(const fs::path& dir) {
  return std::system(GitCommand(dir, "rev-parse --git-dir >/dev/null").c_str()) == 0;
}

void WriteFile(const fs::path& path, std::string_view content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << content;
}

// Env is an EnvLookup over a fixed set of variables.
EnvLookup Env(std::map<std::string, std::string, std::less<>> vars = {}) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// Repo is a temporary repository on branch main holding one commit of `file.txt`.
class Repo {
 public:
  Repo() {
    Git(path(), "init -q");
    WriteFile(path() / "file.txt", "one\n");
    Commit("first");
  }

  const fs::path& path() const { return dir_.path(); }
  void Commit(std::string_view message) {
    Git(path(), "add -A");
    Git(path(), "commit -q --allow-empty -m '" + std::string(message) + "'");
  }
  GitInfo Read(bool want_dirty = true) const { return ReadGitInfo(path(), Env(), want_dirty); }

 private:
  TempDir dir_;
};

TEST_CASE("ReadGitInfo outside a repository leaves everything empty", "[git]") {
  TempDir dir;
  if (InsideRepo(dir.path())) SKIP("the temp directory lies inside a git repository");

  GitInfo info = ReadGitInfo(dir.path(), Env());

  CHECK_FALSE(info.in_repo);
  CHECK(info.sha.empty());
  CHECK(info.short_sha.empty());
  CHECK(info.branch.empty());
  CHECK(info.tag.empty());
  CHECK(info.ref.empty());
  CHECK(info.event.empty());
  CHECK_FALSE(info.dirty);
  CHECK(info.default_branch.empty());
}

TEST_CASE("ReadGitInfo in a repository without commits names the unborn branch", "[git]") {
  TempDir dir;
  Git(dir.path(), "init -q");

  GitInfo info = ReadGitInfo(dir.path(), Env());

  CHECK(info.in_repo);
  CHECK(info.branch == "main");
  CHECK(info.ref == "refs/heads/main");
  CHECK(info.sha.empty());
  CHECK(info.short_sha.empty());
  CHECK(info.tag.empty());
  CHECK(info.event == "push");
  CHECK_FALSE(info.dirty);
  CHECK(info.default_branch.empty());

  WriteFile(dir.path() / "new.txt", "new\n");
  CHECK(ReadGitInfo(dir.path(), Env()).dirty);
}

TEST_CASE("ReadGitInfo reads a commit on main", "[git]") {
  Repo repo;

  GitInfo info = repo.Read();

  CHECK(info.in_repo);
  CHECK(info.sha == Git(repo.path(), "rev-parse HEAD"));
  CHECK(info.sha.size() == 40);
  CHECK(info.short_sha.size() == 7);
  CHECK(info.sha.starts_with(info.short_sha));
  CHECK(info.branch == "main");
  CHECK(info.ref == "refs/heads/main");
  CHECK(info.tag.empty());
  CHECK(info.event == "push");
  CHECK_FALSE(info.dirty);
  CHECK(info.default_branch == "main");
}

TEST_CASE("ReadGitInfo finds the repository from a nested subdirectory", "[git]") {
  Repo repo;
  fs::path nested = repo.path() / "a" / "b" / "c";
  fs::create_directories(nested);

  GitInfo info = ReadGitInfo(nested, Env());

  CHECK(info.in_repo);
  CHECK(info.sha == Git(repo.path(), "rev-parse HEAD"));
  CHECK(info.branch == "main");
}

TEST_CASE("ReadGitInfo reports a dirty worktree", "[git]") {
  Repo repo;
  WriteFile(repo.path() / ".gitignore", "*.log\nbuild/\n");
  repo.Commit("ignore logs");
  REQUIRE_FALSE(repo.Read().dirty);

  SECTION("a modified tracked file") {
    WriteFile(repo.path() / "file.txt", "one, then more\n");
    CHECK(repo.Read().dirty);
  }
  SECTION("a staged change") {
    WriteFile(repo.path() / "file.txt", "one, then more\n");
    Git(repo.path(), "add file.txt");
    CHECK(repo.Read().dirty);
  }
  SECTION("a deleted tracked file") {
    fs::remove(repo.path() / "file.txt");
    CHECK(repo.Read().dirty);
  }
  SECTION("an untracked file") {
    WriteFile(repo.path() / "new.txt", "new\n");
    CHECK(repo.Read().dirty);
  }
  SECTION("an untracked directory") {
    WriteFile(repo.path() / "dir" / "deeper" / "new.txt", "new\n");
    CHECK(repo.Read().dirty);
  }
  SECTION("ignored files only") {
    WriteFile(repo.path() / "run.log", "log\n");
    WriteFile(repo.path() / "build" / "out.o", "obj\n");
    WriteFile(repo.path() / "logs" / "other.log", "log\n");
    CHECK_FALSE(repo.Read().dirty);
  }
  SECTION("unless want_dirty is false") {
    WriteFile(repo.path() / "new.txt", "new\n");
    CHECK_FALSE(repo.Read(/*want_dirty=*/false).dirty);
  }
}

TEST_CASE("ReadGitInfo detached on a tag reports the tag and its ref", "[git]") {
  Repo repo;
  Git(repo.path(), "tag v1.2.3");
  repo.Commit("second");
  Git(repo.path(), "checkout -q v1.2.3");

  GitInfo info = repo.Read();

  CHECK(info.tag == "v1.2.3");
  CHECK(info.ref == "refs/tags/v1.2.3");
  CHECK(info.branch.empty());
  CHECK(info.sha == Git(repo.path(), "rev-parse v1.2.3"));
  CHECK_FALSE(info.dirty);
}

TEST_CASE("ReadGitInfo on a branch keeps the branch ref even when tagged", "[git]") {
  Repo repo;
  Git(repo.path(), "tag v1.0.0");

  GitInfo info = repo.Read();

  CHECK(info.tag == "v1.0.0");
  CHECK(info.branch == "main");
  CHECK(info.ref == "refs/heads/main");
}

TEST_CASE("ReadGitInfo prefers the highest semver-looking tag on HEAD", "[git]") {
  Repo repo;
  Git(repo.path(), "tag v9.9.9");  // on an older commit: never a candidate
  repo.Commit("second");

  SECTION("numeric precedence, lightweight and annotated") {
    Git(repo.path(), "tag v1.2.3");
    Git(repo.path(), "tag -a v1.10.0 -m release");
    CHECK(repo.Read().tag == "v1.10.0");
  }
  SECTION("a release above its prerelease") {
    Git(repo.path(), "tag v2.0.0-rc.1");
    Git(repo.path(), "tag v2.0.0");
    CHECK(repo.Read().tag == "v2.0.0");
  }
  SECTION("numeric prerelease identifiers by value") {
    Git(repo.path(), "tag v2.0.0-rc.10");
    Git(repo.path(), "tag v2.0.0-rc.9");
    CHECK(repo.Read().tag == "v2.0.0-rc.10");
  }
  SECTION("semver-looking above other names") {
    Git(repo.path(), "tag zebra");
    Git(repo.path(), "tag 1.0.0");
    CHECK(repo.Read().tag == "1.0.0");
  }
  SECTION("lexicographically last without semver") {
    Git(repo.path(), "tag alpha");
    Git(repo.path(), "tag -a beta -m beta");
    Git(repo.path(), "tag v1.2");
    CHECK(repo.Read().tag == "v1.2");
  }
}

TEST_CASE("ReadGitInfo finds the default branch", "[git]") {
  SECTION("from origin/HEAD") {
    Repo repo;
    Git(repo.path(), "symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/trunk");
    CHECK(repo.Read().default_branch == "trunk");
  }
  SECTION("master when there is no main") {
    Repo repo;
    Git(repo.path(), "branch -m main master");
    CHECK(repo.Read().default_branch == "master");
  }
  SECTION("none when neither exists") {
    Repo repo;
    Git(repo.path(), "branch -m main work");
    CHECK(repo.Read().default_branch.empty());
  }
}

TEST_CASE("ReadGitInfo takes GitHub Actions' word for the run", "[git]") {
  SECTION("a push of a tag, without a repository") {
    TempDir dir;
    if (InsideRepo(dir.path())) SKIP("the temp directory lies inside a git repository");

    GitInfo info = ReadGitInfo(dir.path(), Env({{"GITHUB_ACTIONS", "true"},
                                                {"GITHUB_SHA", std::string(kGitHubSha)},
                                                {"GITHUB_REF", "refs/tags/v3.0.0"},
                                                {"GITHUB_EVENT_NAME", "push"}}));

    CHECK_FALSE(info.in_repo);
    CHECK(info.sha == kGitHubSha);
    CHECK(info.short_sha == "0123456");
    CHECK(info.ref == "refs/tags/v3.0.0");
    CHECK(info.tag == "v3.0.0");
    CHECK(info.branch.empty());
    CHECK(info.event == "push");
    CHECK(info.default_branch.empty());
  }
  SECTION("a pull request, over a repository") {
    Repo repo;
    WriteFile(repo.path() / "new.txt", "new\n");

    GitInfo info = ReadGitInfo(repo.path(), Env({{"GITHUB_ACTIONS", "true"},
                                                 {"GITHUB_SHA", std::string(kGitHubSha)},
                                                 {"GITHUB_REF", "refs/pull/7/merge"},
                                                 {"GITHUB_HEAD_REF", "feature/x"},
                                                 {"GITHUB_EVENT_NAME", "pull_request"}}));

    CHECK(info.in_repo);
    CHECK(info.sha == kGitHubSha);
    CHECK(info.short_sha == "0123456");
    CHECK(info.ref == "refs/pull/7/merge");
    CHECK(info.branch == "feature/x");
    CHECK(info.event == "pull_request");
    CHECK(info.tag.empty());
    // What GitHub does not say comes from the repository.
    CHECK(info.dirty);
    CHECK(info.default_branch == "main");
  }
  SECTION("a push of a branch fills the tag from the repository") {
    Repo repo;
    Git(repo.path(), "tag v1.0.0");

    GitInfo info = ReadGitInfo(repo.path(), Env({{"GITHUB_ACTIONS", "true"},
                                                 {"GITHUB_REF", "refs/heads/release"},
                                                 {"GITHUB_HEAD_REF", ""},
                                                 {"GITHUB_EVENT_NAME", "push"}}));

    CHECK(info.branch == "release");
    CHECK(info.ref == "refs/heads/release");
    CHECK(info.sha == Git(repo.path(), "rev-parse HEAD"));
    CHECK(info.tag == "v1.0.0");
  }
  SECTION("nothing unless GITHUB_ACTIONS is true") {
    Repo repo;

    GitInfo info = ReadGitInfo(repo.path(), Env({{"GITHUB_SHA", std::string(kGitHubSha)},
                                                 {"GITHUB_REF", "refs/heads/other"},
                                                 {"GITHUB_EVENT_NAME", "schedule"}}));

    CHECK(info.sha == Git(repo.path(), "rev-parse HEAD"));
    CHECK(info.branch == "main");
    CHECK(info.event == "push");
  }
}

}  // namespace
}  // namespace taskr
