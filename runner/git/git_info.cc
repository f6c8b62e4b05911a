#include "runner/git/git_info.h"

#include <git2.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <tuple>
#include <vector>

namespace taskr {
namespace {

constexpr std::string_view kHeadsPrefix = "refs/heads/";
constexpr std::string_view kTagsPrefix = "refs/tags/";
constexpr std::string_view kOriginPrefix = "refs/remotes/origin/";
constexpr const char* kOriginHead = "refs/remotes/origin/HEAD";
constexpr std::size_t kShortShaLength = 7;

// LibGit2 keeps libgit2 initialised while it lives; libgit2 counts nested inits.
class LibGit2 {
 public:
  LibGit2() : ok_(git_libgit2_init() >= 0) {
    // Workspaces are often checked out by another user (CI containers, sudo). We
    // only read facts, so git's safe.directory ownership check would only get in the way.
    if (ok_) git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
  }
  ~LibGit2() {
    if (ok_) git_libgit2_shutdown();
  }
  LibGit2(const LibGit2&) = delete;
  LibGit2& operator=(const LibGit2&) = delete;

  bool ok() const { return ok_; }

 private:
  bool ok_;
};

// GitFree adapts a libgit2 free function to a unique_ptr deleter.
template <auto Free>
struct GitFree {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using RepoPtr = std::unique_ptr<git_repository, GitFree<git_repository_free>>;
using RefPtr = std::unique_ptr<git_reference, GitFree<git_reference_free>>;
using ObjectPtr = std::unique_ptr<git_object, GitFree<git_object_free>>;
using OdbPtr = std::unique_ptr<git_odb, GitFree<git_odb_free>>;
using StatusListPtr = std::unique_ptr<git_status_list, GitFree<git_status_list_free>>;

// Suffix returns what follows `prefix` in `s`, or "" when `s` does not start with it.
std::string Suffix(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix) ? std::string(s.substr(prefix.size())) : std::string();
}

std::string ShortSha(std::string_view sha) { return std::string(sha.substr(0, kShortShaLength)); }

std::string OidString(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof(hex), &oid);
  return hex;
}

// ---- Choosing among several tags on HEAD ----

std::optional<std::uint64_t> ParseNumber(std::string_view s) {
  std::uint64_t n = 0;
  auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t at = s.find(separator); at != std::string_view::npos; at = s.find(separator)) {
    parts.push_back(s.substr(0, at));
    s.remove_prefix(at + 1);
  }
  parts.push_back(s);
  return parts;
}

// Semver is a tag name of the form `[v]MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`.
struct Semver {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
  std::vector<std::string_view> prerelease;  // empty for a release
};

std::optional<Semver> ParseSemver(std::string_view tag) {
  if (tag.starts_with('v')) tag.remove_prefix(1);
  tag = tag.substr(0, tag.find('+'));  // build metadata plays no part in precedence
  Semver version;
  if (std::size_t dash = tag.find('-'); dash != std::string_view::npos) {
    version.prerelease = Split(tag.substr(dash + 1), '.');
    tag = tag.substr(0, dash);
  }
  std::vector<std::string_view> core = Split(tag, '.');
  if (core.size() != 3) return std::nullopt;
  std::optional<std::uint64_t> major = ParseNumber(core[0]);
  std::optional<std::uint64_t> minor = ParseNumber(core[1]);
  std::optional<std::uint64_t> patch = ParseNumber(core[2]);
  if (!major || !minor || !patch) return std::nullopt;
  auto empty = [](std::string_view identifier) { return identifier.empty(); };
  if (std::ranges::any_of(version.prerelease, empty)) return std::nullopt;
  version.major = *major;
  version.minor = *minor;
  version.patch = *patch;
  return version;
}

// PrereleaseLess orders prerelease identifiers as semver does: numeric ones by
// value and below alphanumeric ones, and a shorter list first when one is a prefix.
bool PrereleaseLess(const std::vector<std::string_view>& a,
                    const std::vector<std::string_view>& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) continue;
    std::optional<std::uint64_t> number_a = ParseNumber(a[i]);
    std::optional<std::uint64_t> number_b = ParseNumber(b[i]);
    if (number_a && number_b) {
      if (*number_a == *number_b) continue;
      return *number_a < *number_b;
    }
    if (number_a || number_b) return number_a.has_value();
    return a[i] < b[i];
  }
  return a.size() < b.size();
}

bool SemverLess(const Semver& a, const Semver& b) {
  if (std::tie(a.major, a.minor, a.patch) != std::tie(b.major, b.minor, b.patch)) {
    return std::tie(a.major, a.minor, a.patch) < std::tie(b.major, b.minor, b.patch);
  }
  // A release outranks its own prereleases.
  if (a.prerelease.empty() != b.prerelease.empty()) return b.prerelease.empty();
  return PrereleaseLess(a.prerelease, b.prerelease);
}

// TagLess orders tag names so the preferred one is greatest: semver-looking names above
// the rest and by precedence among themselves, remaining ties broken lexicographically.
bool TagLess(const std::string& a, const std::string& b) {
  std::optional<Semver> version_a = ParseSemver(a);
  std::optional<Semver> version_b = ParseSemver(b);
  if (version_a.has_value() != version_b.has_value()) return version_b.has_value();
  if (version_a && version_b) {
    if (SemverLess(*version_a, *version_b)) return true;
    if (SemverLess(*version_b, *version_a)) return false;
  }
  return a < b;
}

// ---- Reading the repository ----

RepoPtr OpenRepo(const std::filesystem::path& dir) {
  git_repository* repo = nullptr;
  // Flags 0: search upward from `dir`, and ignore GIT_DIR and friends so the workspace decides.
  if (git_repository_open_ext(&repo, dir.string().c_str(), 0, nullptr) < 0) return nullptr;
  return RepoPtr(repo);
}

RefPtr LookupRef(git_repository* repo, const char* name) {
  git_reference* ref = nullptr;
  if (git_reference_lookup(&ref, repo, name) < 0) return nullptr;
  return RefPtr(ref);
}

// SymbolicTarget returns the name a symbolic ref points to, or "" when it is missing or direct.
std::string SymbolicTarget(git_repository* repo, const char* name) {
  RefPtr ref = LookupRef(repo, name);
  if (!ref || git_reference_type(ref.get()) != GIT_REFERENCE_SYMBOLIC) return "";
  return git_reference_symbolic_target(ref.get());
}

// HeadBranch returns the branch HEAD names, born or unborn, or "" when HEAD is detached.
std::string HeadBranch(git_repository* repo) {
  return Suffix(SymbolicTarget(repo, "HEAD"), kHeadsPrefix);
}

std::optional<git_oid> HeadCommit(git_repository* repo) {
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo, "HEAD") < 0) return std::nullopt;
  return oid;
}

// TagsAtCommit collects the names of tags, lightweight or annotated, that point at `commit`.
struct TagsAtCommit {
  git_repository* repo;
  git_odb* odb;
  git_oid commit;
  std::vector<std::string> names;

  bool PeelsToCommit(const git_oid& target) const {
    if (git_oid_equal(&target, &commit)) return true;
    // Most tags name other commits; reading just the object header rules those out cheaply.
    std::size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&size, &type, odb, &target) < 0 || type != GIT_OBJECT_TAG) {
      return false;
    }
    git_object* tag = nullptr;
    if (git_object_lookup(&tag, repo, &target, GIT_OBJECT_TAG) < 0) return false;
    ObjectPtr tag_owner(tag);
    git_object* peeled = nullptr;
    if (git_object_peel(&peeled, tag, GIT_OBJECT_COMMIT) < 0) return false;
    ObjectPtr peeled_owner(peeled);
    return git_oid_equal(git_object_id(peeled), &commit);
  }

  static int Visit(const char* ref_name, git_oid* target, void* payload) {
    auto* self = static_cast<TagsAtCommit*>(payload);
    if (self->PeelsToCommit(*target)) self->names.push_back(Suffix(ref_name, kTagsPrefix));
    return 0;
  }
};

// BestTagAt returns the preferred tag pointing at `commit` (see TagLess), or "".
std::string BestTagAt(git_repository* repo, const git_oid& commit) {
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo) < 0) return "";
  OdbPtr odb_owner(odb);
  TagsAtCommit tags{repo, odb, commit, {}};
  if (git_tag_foreach(repo, &TagsAtCommit::Visit, &tags) < 0 || tags.names.empty()) return "";
  return *std::ranges::max_element(tags.names, TagLess);
}

std::string DefaultBranch(git_repository* repo) {
  std::string origin_default = Suffix(SymbolicTarget(repo, kOriginHead), kOriginPrefix);
  if (!origin_default.empty()) return origin_default;
  for (const char* name : {"main", "master"}) {
    if (LookupRef(repo, (std::string(kHeadsPrefix) + name).c_str())) return name;
  }
  return "";
}

// HasChanges reports staged or unstaged changes to tracked files, or untracked files
// that are not ignored. libgit2 builds the whole status list before any callback runs
// (git_status_foreach_ext included), so there is no early exit to take; instead the
// walk stays cheap: untracked directories are not recursed and submodules are skipped.
bool HasChanges(git_repository* repo) {
  git_status_options options;
  git_status_options_init(&options, GIT_STATUS_OPTIONS_VERSION);
  options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
  git_status_list* status = nullptr;
  if (git_status_list_new(&status, repo, &options) < 0) return false;  // e.g. a bare repo
  StatusListPtr status_owner(status);
  return git_status_list_entrycount(status) > 0;
}

GitInfo ReadRepo(git_repository* repo, bool want_dirty) {
  GitInfo info;
  info.in_repo = true;
  info.event = "push";
  info.branch = HeadBranch(repo);
  if (std::optional<git_oid> head = HeadCommit(repo)) {
    info.sha = OidString(*head);
    info.short_sha = ShortSha(info.sha);
    info.tag = BestTagAt(repo, *head);
  }
  if (!info.branch.empty()) {
    info.ref = std::string(kHeadsPrefix) + info.branch;
  } else if (!info.tag.empty()) {
    info.ref = std::string(kTagsPrefix) + info.tag;
  }
  info.default_branch = DefaultBranch(repo);
  if (want_dirty) info.dirty = HasChanges(repo);
  return info;
}

// ApplyGitHubActions overrides `info` with what GitHub Actions says about the run, since
// its checkout is a detached clone that no longer knows the branch or event.
void ApplyGitHubActions(const EnvLookup& env, GitInfo& info) {
  auto get = [&env](std::string_view name) { return env(name).value_or(""); };
  if (get("GITHUB_ACTIONS") != "true") return;
  if (std::string sha = get("GITHUB_SHA"); !sha.empty()) {
    info.sha = sha;
    info.short_sha = ShortSha(sha);
  }
  if (std::string event = get("GITHUB_EVENT_NAME"); !event.empty()) info.event = event;
  if (std::string ref = get("GITHUB_REF"); !ref.empty()) {
    info.ref = ref;
    if (ref.starts_with(kHeadsPrefix)) info.branch = Suffix(ref, kHeadsPrefix);
    if (ref.starts_with(kTagsPrefix)) info.tag = Suffix(ref, kTagsPrefix);
  }
  // A pull request's GITHUB_REF is refs/pull/<n>/merge; its source branch is GITHUB_HEAD_REF.
  if (std::string head_ref = get("GITHUB_HEAD_REF");
      info.event.starts_with("pull_request") && !head_ref.empty()) {
    info.branch = head_ref;
  }
}

}  // namespace

GitInfo ReadGitInfo(const std::filesystem::path& dir, const EnvLookup& env, bool want_dirty) {
  GitInfo info;
  if (LibGit2 libgit2; libgit2.ok()) {
    if (RepoPtr repo = OpenRepo(dir)) info = ReadRepo(repo.get(), want_dirty);
  }
  if (env) ApplyGitHubActions(env, info);
  return info;
}

}  // namespace taskr
