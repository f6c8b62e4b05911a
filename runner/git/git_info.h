// GitInfo: facts about the workspace's git repository, read once per run with
// libgit2 and exposed to pipelines as the `git` expression context. On GitHub
// Actions the values GitHub gives (GITHUB_SHA, GITHUB_REF, ...) win over the
// checkout, which is usually a detached shallow clone.
//
//   GitInfo git = ReadGitInfo(workspace, env);  // env: an EnvLookup over getenv
//   if (git.in_repo && git.dirty) ...
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace taskr {

/// GitInfo is the `git` expression context: facts about the workspace's repository.
struct GitInfo {
  /// in_repo is false outside a repository; strings are then empty unless GitHub gave them.
  bool in_repo = false;
  /// sha is HEAD's full commit sha; "" on an unborn branch.
  std::string sha;
  /// short_sha is the first 7 hex digits of sha.
  std::string short_sha;
  /// branch is the current branch, also when unborn; "" when HEAD is detached.
  std::string branch;
  /// tag points at HEAD, "" if none: the highest semver-looking one, else the last by name.
  std::string tag;
  /// ref is refs/heads/<branch>, or refs/tags/<tag> when detached on a tag, else "".
  std::string ref;
  /// event is "push" locally and GITHUB_EVENT_NAME on GitHub Actions.
  std::string event;
  /// dirty is true when tracked files are modified or staged, or untracked non-ignored files exist.
  bool dirty = false;
  /// default_branch is origin/HEAD's target, else "main" or "master" if it exists, else "".
  std::string default_branch;
};

/// EnvLookup returns an environment variable or nullopt; injected so tests keep off the real one.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

/// ReadGitInfo reads the repository containing `dir`; `want_dirty` false skips the status walk.
GitInfo ReadGitInfo(const std::filesystem::path& dir, const EnvLookup& env, bool want_dirty = true);

}  // namespace taskr
