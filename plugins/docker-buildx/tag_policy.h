// The tags an image gets for a commit, by docker/metadata-action's rules
// (its README and src/meta.ts), so that a workflow moving from it gets the same
// tags, plus Docker's tag grammar, which metadata-action leaves unchecked.
//
//   TagPolicy policy;  // no rules: DefaultTagRules
//   ImageTags t = ComputeTags(policy, {.ref = "refs/tags/v1.2.3", .sha = sha});
//   t.tags;     // {"1.2.3", "1.2", "1", "v1.2.3"}
//   t.version;  // "1.2.3"
//
// Pure functions, no I/O: the plugin reads parameters and the environment.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace taskr::docker_buildx {

/// GitFacts is what the policy knows about the commit being built.
struct GitFacts {
  std::string ref;             ///< "refs/heads/main", "refs/tags/v1.2.3", "refs/pull/42/merge"
  std::string sha;             ///< the full commit id; "" when unknown
  std::string default_branch;  ///< "main"; "" when unknown, so no branch is the default one
  std::string event;           ///< "push", "pull_request", ...
};

/// TagType is a rule's `type=`. metadata-action's schedule, pep440, match and
/// edge are refused by name.
enum class TagType { kSemver, kRef, kRaw, kSha };

/// RefEvent is the `event=` of a `type=ref` rule.
enum class RefEvent { kBranch, kTag, kPr };

/// TagRule is one entry of `tags`, with metadata-action's defaults filled in.
struct TagRule {
  TagType type = TagType::kRaw;
  RefEvent event = RefEvent::kBranch;  ///< type=ref only
  std::string pattern;                 ///< type=semver: "{{major}}.{{minor}}"
  std::string value;  ///< type=raw: the tag; type=semver: a version to use instead of the git tag
  bool long_sha = false;              ///< type=sha: format=long
  std::optional<std::string> prefix;  ///< set (even empty) replaces the flavor's prefix
  std::optional<std::string> suffix;  ///< set (even empty) replaces the flavor's suffix
  std::string enable = "true";        ///< "true", "false", or an expression giving one
  int priority = 0;                   ///< higher runs first; the default depends on the type
};

/// TagAttribute is one `key=value` of an entry; a field without `=` is ("value", field).
using TagAttribute = std::pair<std::string, std::string>;

/// SplitTagEntry reads "type=semver,pattern={{version}}" into its attributes:
/// comma-separated fields (a field in double quotes may hold commas; `""` in it
/// is one quote), each split at its first `=`, trimmed, keys lowercased.
std::vector<TagAttribute> SplitTagEntry(std::string_view entry);

/// MakeTagRule checks `attributes` and fills in metadata-action's defaults;
/// `shown` names the entry in messages. Throws sdk::Error on an unknown type
/// or attribute, a missing pattern, value or event, or a bad format or priority.
TagRule MakeTagRule(const std::vector<TagAttribute>& attributes, std::string_view shown);

/// ParseTagRule is MakeTagRule(SplitTagEntry(entry), entry).
TagRule ParseTagRule(std::string_view entry);

/// Latest is the flavor's `latest=`.
enum class Latest { kAuto, kTrue, kFalse };

/// Flavor is what metadata-action's `flavor` input says for every rule.
struct Flavor {
  /// latest unset means auto with the task's own rules, false with DefaultTagRules.
  std::optional<Latest> latest;
  std::string prefix;
  bool prefix_on_latest = false;
  std::string suffix;
  bool suffix_on_latest = false;
};

/// ParseFlavor reads flavor lines such as "latest=false" or
/// "prefix=app-,onlatest=true". Throws sdk::Error on an unknown key or value.
Flavor ParseFlavor(const std::vector<std::string>& lines);

/// TagPolicy is a task's whole policy.
struct TagPolicy {
  std::optional<std::vector<TagRule>> rules;  ///< nullopt: the task gave none, DefaultTagRules
  Flavor flavor;
};

/// DefaultTagRules is what a task gets when it gives no `tags`:
///   type=semver,pattern={{version}}
///   type=semver,pattern={{major}}.{{minor}}
///   type=semver,pattern={{major}}         (disabled for a major-zero tag)
///   type=ref,event=tag
///   type=ref,event=pr
///   type=ref,event=branch,suffix=-{{sha}} (no suffix when the sha is unknown)
///   type=raw,value=latest,enable={{is_default_branch}}
/// With the flavor's latest=false this gives: a push to the default branch
/// main-<sha7> and latest; tag v1.2.3: 1.2.3, 1.2, 1, v1.2.3; tag v1.2.3-rc1:
/// 1.2.3-rc1, v1.2.3-rc1; pull request 42: pr-42.
std::vector<TagRule> DefaultTagRules(const GitFacts& git);

/// ImageTags is what the policy gives for one commit.
struct ImageTags {
  /// version is metadata-action's version.main: the first value a rule gave; "" if none.
  std::string version;
  /// tags are unique, in rule priority order, `latest` last when it applies.
  std::vector<std::string> tags;
  /// warnings say why a rule gave nothing that a reader might expect a tag from.
  std::vector<std::string> warnings;
};

/// ComputeTags applies `policy` to the commit `git`. Throws sdk::Error on an
/// unknown expression or an `enable` that is neither true nor false.
ImageTags ComputeTags(const TagPolicy& policy, const GitFacts& git);

/// SanitizeTag fits `value` to Docker's tag grammar: each run of characters
/// outside [A-Za-z0-9._-] becomes one `-` (metadata-action's rule); then
/// leading `.` and `-` are dropped and the rest is cut to 128 characters.
std::string SanitizeTag(std::string_view value);

/// SanitizeImageName lowercases `name`, as metadata-action does.
std::string SanitizeImageName(std::string_view name);

}  // namespace taskr::docker_buildx
