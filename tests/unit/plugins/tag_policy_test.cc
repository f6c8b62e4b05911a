#include "plugins/docker-buildx/tag_policy.h"

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

using Catch::Matchers::ContainsSubstring;
using taskr::docker_buildx::ComputeTags;
using taskr::docker_buildx::GitFacts;
using taskr::docker_buildx::ImageTags;
using taskr::docker_buildx::ParseFlavor;
using taskr::docker_buildx::ParseTagRule;
using taskr::docker_buildx::SanitizeImageName;
using taskr::docker_buildx::SanitizeTag;
using taskr::docker_buildx::SplitTagEntry;
using taskr::docker_buildx::TagAttribute;
using taskr::docker_buildx::TagPolicy;
using Tags = std::vector<std::string>;

namespace {

constexpr const char* kSha = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

GitFacts Git(std::string ref, std::string event = "push", std::string sha = kSha) {
  return {std::move(ref), std::move(sha), "main", std::move(event)};
}

// Policy is the task's `tags` and `flavor`; no entries at all stands for a task
// that leaves `tags` out, which gets the default set.
TagPolicy Policy(std::initializer_list<const char*> entries,
                 const std::vector<std::string>& flavor = {}) {
  TagPolicy policy;
  if (entries.size() > 0) {
    policy.rules.emplace();
    for (const char* entry : entries) policy.rules->push_back(ParseTagRule(entry));
  }
  policy.flavor = ParseFlavor(flavor);
  return policy;
}

Tags Compute(const TagPolicy& policy, const GitFacts& git) {
  ImageTags t = ComputeTags(policy, git);
  for (const std::string& w : t.warnings) UNSCOPED_INFO("warning: " << w);
  return t.tags;
}

Tags Default(const GitFacts& git) { return Compute(Policy({}), git); }

const std::initializer_list<const char*> kSemverPatterns = {
    "type=semver,pattern={{version}}", "type=semver,pattern={{major}}.{{minor}}",
    "type=semver,pattern={{major}}"};

}  // namespace

TEST_CASE("the default tags give the platform's matrix", "[plugins][docker-buildx][tags]") {
  // Push to the default branch: the branch with the short sha, and latest.
  CHECK(Default(Git("refs/heads/main")) == Tags{"main-a1b2c3d", "latest"});
  CHECK(ComputeTags(Policy({}), Git("refs/heads/main")).version == "main-a1b2c3d");
  // A pre-release: the tag and its version, nothing shorter, no latest.
  Tags rc = Default(Git("refs/tags/v1.2.3-rc1"));
  CHECK(std::set<std::string>(rc.begin(), rc.end()) ==
        std::set<std::string>{"v1.2.3-rc1", "1.2.3-rc1"});
  CHECK(rc == Tags{"1.2.3-rc1", "v1.2.3-rc1"});  // semver rules outrank ref rules
  // A release: the tag, the version, major.minor and major; no latest.
  Tags release = Default(Git("refs/tags/v1.2.3"));
  CHECK(std::set<std::string>(release.begin(), release.end()) ==
        std::set<std::string>{"v1.2.3", "1.2.3", "1.2", "1"});
  CHECK(release == Tags{"1.2.3", "1.2", "1", "v1.2.3"});
  CHECK(ComputeTags(Policy({}), Git("refs/tags/v1.2.3")).version == "1.2.3");
}

TEST_CASE("the default tags for other branches, pull requests, major zero and odd refs",
          "[plugins][docker-buildx][tags]") {
  CHECK(Default(Git("refs/heads/feature/login")) == Tags{"feature-login-a1b2c3d"});
  CHECK(Default(Git("refs/pull/42/merge", "pull_request")) == Tags{"pr-42"});
  // Major zero: `0` would name every 0.x release, which may all differ; no such tag.
  CHECK(Default(Git("refs/tags/v0.4.1")) == Tags{"0.4.1", "0.4", "v0.4.1"});
  CHECK(Default(Git("refs/tags/v0.4.1-rc.2")) == Tags{"0.4.1-rc.2", "v0.4.1-rc.2"});
  // A tag that is no version: only the tag itself, and a warning says why.
  ImageTags odd = ComputeTags(Policy({}), Git("refs/tags/release-2024"));
  CHECK(odd.tags == Tags{"release-2024"});
  CHECK_THAT(odd.warnings.at(0), ContainsSubstring("'release-2024' is not a semantic version"));
  // No sha known: the branch alone, rather than "main-".
  CHECK(Default(Git("refs/heads/main", "push", "")) == Tags{"main", "latest"});
  // No ref known: no tags at all.
  ImageTags none = ComputeTags(Policy({}), Git(""));
  CHECK(none.tags.empty());
  CHECK(none.version.empty());
  // An unknown default branch is no branch at all: no latest.
  CHECK(Default(GitFacts{"refs/heads/main", kSha, "", "push"}) == Tags{"main-a1b2c3d"});
}

TEST_CASE("semver rules follow metadata-action, pre-release and major-zero rules included",
          "[plugins][docker-buildx][tags]") {
  TagPolicy semver = Policy(kSemverPatterns);
  CHECK(Compute(semver, Git("refs/tags/v1.2.3")) == Tags{"1.2.3", "1.2", "1", "latest"});
  CHECK(Compute(semver, Git("refs/tags/1.2.3")) == Tags{"1.2.3", "1.2", "1", "latest"});
  // Pre-release: every pattern falls back to {{version}}; de-duplicated; never latest.
  CHECK(Compute(semver, Git("refs/tags/v1.2.3-rc1")) == Tags{"1.2.3-rc1"});
  CHECK(Compute(semver, Git("refs/tags/v2.0.8-beta.67")) == Tags{"2.0.8-beta.67"});
  CHECK(Compute(Policy({"type=semver,pattern={{raw}}"}), Git("refs/tags/v2.0.8-beta.67")) ==
        Tags{"v2.0.8-beta.67"});
  CHECK(Compute(Policy({"type=semver,pattern=v{{major}}"}), Git("refs/tags/v2.0.8-beta.67")) ==
        Tags{"2.0.8-beta.67"});
  // Major zero: metadata-action emits `0`; its README's advice turns it off.
  CHECK(Compute(semver, Git("refs/tags/v0.4.1")) == Tags{"0.4.1", "0.4", "0", "latest"});
  TagPolicy advised =
      Policy({"type=semver,pattern={{version}}", "type=semver,pattern={{major}},enable=false"});
  CHECK(Compute(advised, Git("refs/tags/v0.4.1")) == Tags{"0.4.1", "latest"});
  // Other patterns and build metadata.
  CHECK(Compute(Policy({"type=semver,pattern={{major}}.{{minor}}.{{patch}}"}),
                Git("refs/tags/v1.2.3+build.5")) == Tags{"1.2.3", "latest"});
  CHECK(Compute(Policy({"type=semver,pattern={{ version }}"}), Git("refs/tags/v1.2.3")) ==
        Tags{"1.2.3", "latest"});
  // A value replaces the tag, and then the rule runs on any ref.
  CHECK(Compute(Policy({"type=semver,pattern={{major}}.{{minor}},value=v3.4.5"}),
                Git("refs/heads/main")) == Tags{"3.4", "latest"});
  // On a branch, without a value, semver rules give nothing.
  CHECK(Compute(semver, Git("refs/heads/main")).empty());
}

TEST_CASE("an invalid semver tag gives no semver tags", "[plugins][docker-buildx][tags]") {
  TagPolicy policy = Policy({"type=semver,pattern={{version}}", "type=ref,event=tag"});
  for (const char* tag :
       {"v1.2", "v1.2.3.4", "v01.2.3", "=1.2.3", "vv1.2.3", "nightly", "V1.2.3"}) {
    INFO(tag);
    ImageTags t = ComputeTags(policy, Git(std::string("refs/tags/") + tag));
    // Only the ref rule's tag (sanitised), and it decides latest.
    CHECK(t.tags == Tags{SanitizeTag(tag), "latest"});
    CHECK_THAT(t.warnings.at(0), ContainsSubstring("is not a semantic version"));
  }
  // A tag with `/` is read with `-`, as metadata-action does: then it is no version.
  CHECK(Compute(policy, Git("refs/tags/release/v1.2.3")) == Tags{"release-v1.2.3", "latest"});
}

TEST_CASE("sha rules: short, long, prefix", "[plugins][docker-buildx][tags]") {
  GitFacts main = Git("refs/heads/main");
  CHECK(Compute(Policy({"type=sha"}), main) == Tags{"sha-a1b2c3d"});
  CHECK(Compute(Policy({"type=sha,format=long"}), main) == Tags{std::string("sha-") + kSha});
  CHECK(Compute(Policy({"type=sha,prefix="}), main) == Tags{"a1b2c3d"});
  CHECK(Compute(Policy({"type=sha,prefix={{branch}}-"}), main) == Tags{"main-a1b2c3d"});
  CHECK(Compute(Policy({"type=sha,prefix=commit-,suffix=-x"}), Git("refs/tags/v1")) ==
        Tags{"commit-a1b2c3d-x"});
  // The rule's own default prefix wins over the flavor's.
  CHECK(Compute(Policy({"type=sha"}, {"prefix=app-"}), main) == Tags{"sha-a1b2c3d"});
  CHECK(Compute(Policy({"type=sha"}), Git("refs/heads/main", "push", "")).empty());
}

TEST_CASE("ref rules: branch, tag and pull request", "[plugins][docker-buildx][tags]") {
  TagPolicy refs = Policy({"type=ref,event=branch", "type=ref,event=tag", "type=ref,event=pr"});
  CHECK(Compute(refs, Git("refs/heads/develop")) == Tags{"develop"});
  CHECK(Compute(refs, Git("refs/tags/v1.2.3")) == Tags{"v1.2.3", "latest"});
  CHECK(Compute(refs, Git("refs/pull/42/merge", "pull_request")) == Tags{"pr-42"});
  CHECK(Compute(refs, Git("refs/pull/42/head", "pull_request")) == Tags{"pr-42-head"});
  CHECK(Compute(Policy({"type=ref,event=pr,prefix=pull-"}), Git("refs/pull/7/merge")) ==
        Tags{"pull-7"});
  CHECK(Compute(refs, Git("refs/remotes/origin/x")).empty());
}

TEST_CASE("branch names are sanitised to Docker's tag grammar", "[plugins][docker-buildx][tags]") {
  TagPolicy branch = Policy({"type=ref,event=branch"});
  auto tag_of = [&](const std::string& name) { return Compute(branch, Git("refs/heads/" + name)); };
  CHECK(tag_of("feature/login") == Tags{"feature-login"});
  CHECK(tag_of("Feature/Login_Form") == Tags{"Feature-Login_Form"});  // uppercase is allowed
  CHECK(tag_of("a//b@@c d") == Tags{"a-b-c-d"});                      // each run becomes one -
  CHECK(tag_of("fix/\xC3\xBCn\xC3\xAF"
               "code") == Tags{"fix-n-code"});
  CHECK(tag_of("-leading-dash") == Tags{"leading-dash"});
  CHECK(tag_of(".hidden") == Tags{"hidden"});
  CHECK(tag_of("/.-x") == Tags{"x"});
  std::string long_name(200, 'b');
  Tags cut = tag_of("feat/" + long_name);
  REQUIRE(cut.size() == 1);
  CHECK(cut[0].size() == 128);
  CHECK(cut[0] == "feat-" + std::string(123, 'b'));
  // A value with nothing left after sanitising gives no tag, and says so.
  ImageTags empty = ComputeTags(Policy({"type=raw,value=/.-/"}), Git("refs/heads/main"));
  CHECK(empty.tags.empty());
  CHECK_THAT(empty.warnings.at(0), ContainsSubstring("nothing left after sanitising"));

  CHECK(SanitizeTag("v1.2.3+build") == "v1.2.3-build");
  CHECK(SanitizeTag("_under") == "_under");  // Docker allows a leading underscore
  CHECK(SanitizeImageName("GHCR.io/Acme/App") == "ghcr.io/acme/app");
}

TEST_CASE("raw rules and their expressions", "[plugins][docker-buildx][tags]") {
  GitFacts main = Git("refs/heads/main");
  GitFacts develop = Git("refs/heads/develop");
  GitFacts tag = Git("refs/tags/v1.2.3");
  CHECK(Compute(Policy({"type=raw,value=stable"}), tag) == Tags{"stable"});
  CHECK(Compute(Policy({"stable"}), tag) == Tags{"stable"});  // no type: raw
  CHECK(Compute(Policy({"type=raw,value={{branch}}"}), develop) == Tags{"develop"});
  CHECK(Compute(Policy({"type=raw,value={{branch}}"}), tag).empty());  // empty: no tag
  CHECK(Compute(Policy({"type=raw,value={{tag}}"}), tag) == Tags{"v1.2.3"});
  CHECK(Compute(Policy({"type=raw,value={{branch}}-{{sha}}"}), develop) == Tags{"develop-a1b2c3d"});
  CHECK(Compute(Policy({"type=raw,value=is-{{is_default_branch}}"}), main) == Tags{"is-true"});

  TagPolicy latest_on_main = Policy({"type=raw,value=latest,enable={{is_default_branch}}"});
  CHECK(Compute(latest_on_main, main) == Tags{"latest"});
  CHECK(Compute(latest_on_main, develop).empty());
  CHECK(Compute(latest_on_main, tag).empty());
  CHECK(Compute(latest_on_main, Git("refs/pull/1/merge", "pull_request")).empty());
  // metadata-action counts these events as running on the default branch.
  CHECK(Compute(latest_on_main, Git("refs/heads/nightly", "schedule")) == Tags{"latest"});
  CHECK(Compute(Policy({"type=raw,value=x,enable=false"}), main).empty());

  CHECK_THROWS_WITH(Compute(Policy({"type=raw,value={{nope}}"}), main),
                    ContainsSubstring("{{nope}} in '{{nope}}' is not a known expression"));
  CHECK_THROWS_WITH(Compute(Policy({"type=raw,value={{date 'YYYYMMDD'}}"}), main),
                    ContainsSubstring("is not supported by taskr's tag policy"));
  CHECK_THROWS_WITH(Compute(Policy({"type=raw,value=x,enable=maybe"}), main),
                    ContainsSubstring("enable must give true or false, not 'maybe'"));
  CHECK_THROWS_WITH(Compute(Policy({"type=raw,value={{branch"}), main),
                    ContainsSubstring("unclosed '{{'"));
}

TEST_CASE("flavor: latest, prefix and suffix", "[plugins][docker-buildx][tags]") {
  GitFacts tag = Git("refs/tags/v1.2.3");
  GitFacts main = Git("refs/heads/main");
  CHECK(Compute(Policy(kSemverPatterns, {"latest=false"}), tag) == Tags{"1.2.3", "1.2", "1"});
  CHECK(Compute(Policy({"type=ref,event=branch"}, {"latest=true"}), main) ==
        Tags{"main", "latest"});
  CHECK(Compute(Policy({"type=ref,event=branch"}, {"latest=auto"}), main) == Tags{"main"});
  // latest=true turns the default set's tags into latest ones everywhere.
  CHECK(Compute(Policy({}, {"latest=true"}), Git("refs/tags/v1.2.3-rc1")) ==
        Tags{"1.2.3-rc1", "v1.2.3-rc1", "latest"});

  CHECK(Compute(Policy({"type=semver,pattern={{version}}"}, {"prefix=app-,onlatest=true"}), tag) ==
        Tags{"app-1.2.3", "app-latest"});
  CHECK(Compute(Policy({"type=semver,pattern={{version}}"}, {"prefix=app-"}), tag) ==
        Tags{"app-1.2.3", "latest"});
  CHECK(Compute(Policy({"type=semver,pattern={{version}}"}, {"suffix=-alpine", "latest=auto"}),
                tag) == Tags{"1.2.3-alpine", "latest"});
  CHECK(Compute(Policy({"type=semver,pattern={{version}}"}, {"suffix=-alpine,onlatest=true"}),
                tag) == Tags{"1.2.3-alpine", "latest-alpine"});
  // A rule's own prefix or suffix, even an empty one, replaces the flavor's.
  CHECK(Compute(Policy({"type=ref,event=branch", "type=raw,value=edge,prefix="}, {"prefix=v-"}),
                main) == Tags{"v-main", "edge"});

  CHECK_THROWS_WITH(ParseFlavor({"latest=maybe"}),
                    ContainsSubstring("latest must be auto, true or false"));
  CHECK_THROWS_WITH(ParseFlavor({"prefx=a"}), ContainsSubstring("unknown key 'prefx'"));
  CHECK_THROWS_WITH(ParseFlavor({"prefix=a,onlatest=yes"}),
                    ContainsSubstring("onlatest must be true or false"));
}

TEST_CASE("rules run by priority, the first value decides version and latest, values are unique",
          "[plugins][docker-buildx][tags]") {
  GitFacts tag = Git("refs/tags/v1.2.3");
  // Written sha, raw, ref, semver; run semver (900), ref (600), raw (200), sha (100).
  TagPolicy mixed = Policy({"type=sha", "type=raw,value=stable", "type=ref,event=tag",
                            "type=semver,pattern={{version}}"});
  ImageTags t = ComputeTags(mixed, tag);
  CHECK(t.tags == Tags{"1.2.3", "v1.2.3", "stable", "sha-a1b2c3d", "latest"});
  CHECK(t.version == "1.2.3");
  // A raised raw rule decides: it is the version, and raw never gives latest.
  TagPolicy raised =
      Policy({"type=semver,pattern={{version}}", "type=raw,value=stable,priority=1000"});
  ImageTags r = ComputeTags(raised, tag);
  CHECK(r.tags == Tags{"stable", "1.2.3"});
  CHECK(r.version == "stable");
  // Equal priorities keep the written order.
  CHECK(Compute(Policy({"type=raw,value=b", "type=raw,value=a"}), tag) == Tags{"b", "a"});
  // De-duplication: the same value twice, and a raw latest beside an automatic one.
  CHECK(Compute(Policy({"type=semver,pattern={{version}}", "type=raw,value=1.2.3"}), tag) ==
        Tags{"1.2.3", "latest"});
  CHECK(Compute(Policy({"type=ref,event=tag", "type=raw,value=latest"}), tag) ==
        Tags{"v1.2.3", "latest"});
}

TEST_CASE("tag entries are read as metadata-action reads them, and checked",
          "[plugins][docker-buildx][tags]") {
  CHECK(SplitTagEntry(" Type = raw , value = x ") ==
        std::vector<TagAttribute>{{"type", "raw"}, {"value", "x"}});
  CHECK(SplitTagEntry(R"(type=raw,"value=a,b""c")") ==
        std::vector<TagAttribute>{{"type", "raw"}, {"value", "a,b\"c"}});
  CHECK(SplitTagEntry("type=raw,value=a=b,,") ==
        std::vector<TagAttribute>{{"type", "raw"}, {"value", "a=b"}});
  CHECK(Compute(Policy({R"(type=raw,"value=a,b")"}), Git("refs/heads/main")) == Tags{"a-b"});

  auto error = [](const char* entry) {
    try {
      ParseTagRule(entry);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("parsed");
  };
  CHECK(error("type=nope") ==
        "type=nope: type 'nope' is not a tag type; use semver, ref, raw or sha");
  CHECK_THAT(error("type=schedule"), ContainsSubstring("is not supported by taskr's tag policy"));
  CHECK_THAT(error("type=edge"), ContainsSubstring("is not supported by taskr's tag policy"));
  CHECK(error("type=semver") == "type=semver: type=semver needs pattern=");
  CHECK(error("type=raw") == "type=raw: type=raw needs value=");
  CHECK(error("type=ref") == "type=ref: type=ref needs event=");
  CHECK_THAT(error("type=ref,event=push"), ContainsSubstring("event must be branch, tag or pr"));
  CHECK_THAT(error("type=sha,format=medium"), ContainsSubstring("format must be short or long"));
  CHECK_THAT(error("type=sha,priority=high"), ContainsSubstring("priority must be an integer"));
  CHECK(error("type=sha,formt=long") == "type=sha,formt=long: type=sha has no attribute 'formt'");
}
