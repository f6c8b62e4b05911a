#include "tag_policy.h"

#include <taskr/sdk.hpp>
#include <taskr/semver.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <set>

namespace taskr::docker_buildx {

namespace {

using sdk::SemVer;

// Docker's limit on a tag's length.
constexpr size_t kMaxTagLength = 128;
// How many characters of the sha `{{sha}}` and `type=sha,format=short` keep.
constexpr size_t kShortShaLength = 7;

constexpr std::string_view kHeads = "refs/heads/";
constexpr std::string_view kTags = "refs/tags/";
constexpr std::string_view kPull = "refs/pull/";

// The default set; see DefaultTagRules.
constexpr std::string_view kDefaultTags[] = {
    "type=semver,pattern={{version}}",
    "type=semver,pattern={{major}}.{{minor}}",
    "type=semver,pattern={{major}}",
    "type=ref,event=tag",
    "type=ref,event=pr",
    "type=ref,event=branch,suffix=-{{sha}}",
    "type=raw,value=latest,enable={{is_default_branch}}",
};

std::string_view Trim(std::string_view s) {
  size_t start = s.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  return s.substr(start, s.find_last_not_of(" \t\r\n") - start + 1);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// ---- refs ----

// After returns what follows `prefix` in `ref`, or nullopt when `ref` does not start with it.
std::optional<std::string> After(std::string_view ref, std::string_view prefix) {
  if (!ref.starts_with(prefix)) return std::nullopt;
  return std::string(ref.substr(prefix.size()));
}

std::string Branch(const GitFacts& git) { return After(git.ref, kHeads).value_or(""); }
std::string Tag(const GitFacts& git) { return After(git.ref, kTags).value_or(""); }

// PullRequest is "42" for refs/pull/42/merge.
std::optional<std::string> PullRequest(const GitFacts& git) {
  std::optional<std::string> pr = After(git.ref, kPull);
  if (pr && pr->ends_with("/merge")) pr->resize(pr->size() - std::string_view("/merge").size());
  return pr;
}

std::string ShortSha(const GitFacts& git) { return git.sha.substr(0, kShortShaLength); }

// IsDefaultBranch is metadata-action's {{is_default_branch}}.
bool IsDefaultBranch(const GitFacts& git) {
  std::string_view branch = git.ref;
  if (branch.starts_with(kHeads)) branch.remove_prefix(kHeads.size());
  if (branch.empty()) return false;
  if (branch == git.default_branch) return true;
  // metadata-action: these events always run for the last commit of the default branch.
  for (std::string_view event : {"create", "discussion", "issues", "schedule"}) {
    if (git.event.find(event) != std::string::npos) return true;
  }
  return false;
}

// TagVersion parses a version as metadata-action's semver.valid does: strict
// SemVer 2.0.0 after one optional leading `v` (so "=1.2.3" is not one).
std::optional<SemVer> TagVersion(std::string_view text) {
  text = Trim(text);
  if (text.starts_with('v')) text.remove_prefix(1);
  return SemVer::Parse(text);
}

// ---- {{expressions}} ----

using Lookup = std::function<std::optional<std::string>(std::string_view name)>;

// Render replaces each {{name}} in `text` (spaces inside the braces allowed)
// with lookup(name). `known` lists the names for the message about one that is not.
std::string Render(std::string_view text, const Lookup& lookup, std::string_view known) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) return out + std::string(text.substr(pos));
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      throw sdk::Error("unclosed '{{' in " + Quoted(text));
    }
    out += text.substr(pos, open - pos);
    std::string_view inner = Trim(text.substr(open + 2, close - open - 2));
    std::string_view name = inner.substr(0, inner.find(' '));
    std::optional<std::string> value = name == inner ? lookup(name) : std::nullopt;
    if (!value) {
      bool metadata_action_has = name == "date" || name == "commit_date" || name == "base_ref";
      throw sdk::Error("{{" + std::string(inner) + "}} in " + Quoted(text) +
                       (metadata_action_has ? " is not supported by taskr's tag policy"
                                            : " is not a known expression") +
                       "; known: " + std::string(known));
    }
    out += *value;
    pos = close + 2;
  }
}

// ExpandGlobal renders the expressions every attribute may hold.
std::string ExpandGlobal(std::string_view text, const GitFacts& git) {
  return Render(
      text,
      [&](std::string_view name) -> std::optional<std::string> {
        if (name == "branch") return Branch(git);
        if (name == "tag") return Tag(git);
        if (name == "sha") return ShortSha(git);
        if (name == "is_default_branch") return IsDefaultBranch(git) ? "true" : "false";
        return std::nullopt;
      },
      "{{branch}}, {{tag}}, {{sha}}, {{is_default_branch}}");
}

// SemverSource is the text a semver rule reads: its value, else the git tag with
// `/` turned into `-`; nullopt when the rule does not apply to this commit.
std::optional<std::string> SemverSource(const TagRule& rule, const GitFacts& git) {
  if (!rule.value.empty()) return ExpandGlobal(rule.value, git);
  std::optional<std::string> tag = After(git.ref, kTags);
  if (tag) std::replace(tag->begin(), tag->end(), '/', '-');
  return tag;
}

// ExpandSemver renders a semver rule's pattern for `v`, parsed from `raw`.
std::string ExpandSemver(std::string_view pattern, const SemVer& v, const std::string& raw) {
  return Render(
      pattern,
      [&](std::string_view name) -> std::optional<std::string> {
        if (name == "raw") return raw;
        if (name == "version") return v.ToStringWithoutBuild();
        if (name == "major") return std::to_string(v.major);
        if (name == "minor") return std::to_string(v.minor);
        if (name == "patch") return std::to_string(v.patch);
        return std::nullopt;
      },
      "{{raw}}, {{version}}, {{major}}, {{minor}}, {{patch}}");
}

// IsRawPattern: the pattern is {{raw}} and nothing else, the one pattern a
// pre-release keeps.
bool IsRawPattern(std::string_view pattern) {
  if (!pattern.starts_with("{{") || !pattern.ends_with("}}") || pattern.size() < 4) return false;
  return Trim(pattern.substr(2, pattern.size() - 4)) == "raw";
}

// ---- rules ----

struct TypeInfo {
  std::string_view name;
  TagType type;
  int priority;                                  // metadata-action's default
  std::vector<std::string_view> own_attributes;  // besides enable, priority, prefix, suffix
};

const std::vector<TypeInfo>& Types() {
  static const std::vector<TypeInfo> types = {
      {"semver", TagType::kSemver, 900, {"pattern", "value"}},
      {"ref", TagType::kRef, 600, {"event"}},
      {"raw", TagType::kRaw, 200, {"value"}},
      {"sha", TagType::kSha, 100, {"format"}},
  };
  return types;
}

const TypeInfo& FindType(std::string_view name, std::string_view shown) {
  for (const TypeInfo& info : Types()) {
    if (info.name == name) return info;
  }
  bool metadata_action_has =
      name == "schedule" || name == "pep440" || name == "match" || name == "edge";
  throw sdk::Error(
      std::string(shown) + ": type " + Quoted(name) +
      (metadata_action_has ? " is not supported by taskr's tag policy" : " is not a tag type") +
      "; use semver, ref, raw or sha");
}

int ParsePriority(std::string_view text, std::string_view shown) {
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw sdk::Error(std::string(shown) + ": priority must be an integer, not " + Quoted(text));
  }
  return n;
}

RefEvent ParseEvent(std::string_view text, std::string_view shown) {
  if (text == "branch") return RefEvent::kBranch;
  if (text == "tag") return RefEvent::kTag;
  if (text == "pr") return RefEvent::kPr;
  throw sdk::Error(std::string(shown) + ": event must be branch, tag or pr, not " + Quoted(text));
}

// ---- computing ----

// Collector gathers values as metadata-action's setVersion does.
class Collector {
 public:
  // Add records a rule's value; `latest` counts only for the first value.
  void Add(std::string_view value, bool latest, std::vector<std::string>* warnings) {
    if (value.empty()) return;
    std::string tag = SanitizeTag(value);
    if (tag.empty()) {
      warnings->push_back("tag " + Quoted(value) + " has nothing left after sanitising; skipped");
      return;
    }
    if (tags_.empty()) latest_ = latest;
    if (std::find(tags_.begin(), tags_.end(), tag) == tags_.end()) tags_.push_back(tag);
  }
  const std::vector<std::string>& tags() const { return tags_; }
  bool latest() const { return latest_; }

 private:
  std::vector<std::string> tags_;  // the first is version.main
  bool latest_ = false;
};

// Computation applies one policy to one commit.
class Computation {
 public:
  Computation(const Flavor& flavor, Latest latest, const GitFacts& git)
      : flavor_(flavor), latest_(latest), git_(git) {}

  void Apply(const TagRule& rule) {
    std::string enabled = ExpandGlobal(rule.enable, git_);
    if (enabled != "true" && enabled != "false") {
      throw sdk::Error("enable must give true or false, not " + Quoted(enabled) + " (from " +
                       Quoted(rule.enable) + ")");
    }
    if (enabled == "false") return;
    switch (rule.type) {
      case TagType::kSemver:
        return Semver(rule);
      case TagType::kRef:
        return Ref(rule);
      case TagType::kRaw:
        return Add(rule, ExpandGlobal(rule.value, git_), false);
      case TagType::kSha:
        if (git_.sha.empty()) return;
        return Add(rule, rule.long_sha ? git_.sha : ShortSha(git_), false);
    }
  }

  ImageTags Result() {
    ImageTags out;
    out.warnings = std::move(warnings_);
    if (values_.tags().empty()) return out;
    out.version = values_.tags().front();
    out.tags = values_.tags();
    if (values_.latest()) {
      std::string latest = SanitizeTag(
          (flavor_.prefix_on_latest ? ExpandGlobal(flavor_.prefix, git_) : "") + "latest" +
          (flavor_.suffix_on_latest ? ExpandGlobal(flavor_.suffix, git_) : ""));
      if (std::find(out.tags.begin(), out.tags.end(), latest) == out.tags.end()) {
        out.tags.push_back(latest);
      }
    }
    return out;
  }

 private:
  void Semver(const TagRule& rule) {
    std::optional<std::string> raw = SemverSource(rule, git_);
    if (!raw) return;
    std::optional<SemVer> version = TagVersion(*raw);
    if (!version) {
      warnings_.push_back(Quoted(*raw) + " is not a semantic version; no tag from pattern " +
                          Quoted(rule.pattern));
      return;
    }
    // A pre-release gets only its full version (or {{raw}}), and never latest.
    bool keeps_pattern = !version->is_prerelease() || IsRawPattern(rule.pattern);
    std::string value = ExpandSemver(keeps_pattern ? rule.pattern : "{{version}}", *version, *raw);
    Add(rule, value, !version->is_prerelease());
  }

  void Ref(const TagRule& rule) {
    switch (rule.event) {
      case RefEvent::kBranch:
        if (std::optional<std::string> branch = After(git_.ref, kHeads)) Add(rule, *branch, false);
        return;
      case RefEvent::kTag:
        if (std::optional<std::string> tag = After(git_.ref, kTags)) Add(rule, *tag, true);
        return;
      case RefEvent::kPr:
        if (std::optional<std::string> pr = PullRequest(git_)) Add(rule, *pr, false);
        return;
    }
  }

  // Add puts the prefix and suffix on `value` and records it; `auto_latest` is
  // whether latest=auto gives `latest` when this value decides.
  void Add(const TagRule& rule, const std::string& value, bool auto_latest) {
    std::string prefix = rule.prefix ? *rule.prefix : flavor_.prefix;
    std::string suffix = rule.suffix ? *rule.suffix : flavor_.suffix;
    std::string tag = ExpandGlobal(prefix, git_) + value + ExpandGlobal(suffix, git_);
    bool latest = latest_ == Latest::kAuto ? auto_latest : latest_ == Latest::kTrue;
    values_.Add(tag, latest, &warnings_);
  }

  const Flavor& flavor_;
  Latest latest_;
  const GitFacts& git_;
  Collector values_;
  std::vector<std::string> warnings_;
};

}  // namespace

std::vector<TagAttribute> SplitTagEntry(std::string_view entry) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < entry.size(); ++i) {
    char c = entry[i];
    if (quoted && c == '"') {
      if (i + 1 < entry.size() && entry[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (!quoted && c == '"' && Trim(fields.back()).empty()) {
      quoted = true;
    } else if (!quoted && c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  std::vector<TagAttribute> out;
  for (const std::string& field : fields) {
    std::string_view f = Trim(field);
    if (f.empty()) continue;
    size_t eq = f.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back("value", std::string(f));
    } else {
      out.emplace_back(Lower(Trim(f.substr(0, eq))), std::string(Trim(f.substr(eq + 1))));
    }
  }
  return out;
}

TagRule MakeTagRule(const std::vector<TagAttribute>& attributes, std::string_view shown) {
  std::string type_name = "raw";  // metadata-action's default type
  for (const auto& [key, value] : attributes) {
    if (key == "type") type_name = value;
  }
  const TypeInfo& info = FindType(type_name, shown);
  TagRule rule;
  rule.type = info.type;
  rule.priority = info.priority;
  std::set<std::string> given;
  for (const auto& [key, value] : attributes) {
    given.insert(key);
    if (key == "type") continue;
    if (key == "enable") {
      rule.enable = value;
    } else if (key == "priority") {
      rule.priority = ParsePriority(value, shown);
    } else if (key == "prefix") {
      rule.prefix = value;
    } else if (key == "suffix") {
      rule.suffix = value;
    } else if (std::find(info.own_attributes.begin(), info.own_attributes.end(), key) ==
               info.own_attributes.end()) {
      throw sdk::Error(std::string(shown) + ": type=" + type_name + " has no attribute " +
                       Quoted(key));
    } else if (key == "pattern") {
      rule.pattern = value;
    } else if (key == "value") {
      rule.value = value;
    } else if (key == "event") {
      rule.event = ParseEvent(value, shown);
    } else if (key == "format") {
      if (value != "short" && value != "long") {
        throw sdk::Error(std::string(shown) + ": format must be short or long, not " +
                         Quoted(value));
      }
      rule.long_sha = value == "long";
    }
  }
  auto require = [&](const char* key) {
    if (!given.count(key)) {
      throw sdk::Error(std::string(shown) + ": type=" + type_name + " needs " + key + "=");
    }
  };
  if (rule.type == TagType::kSemver) require("pattern");
  if (rule.type == TagType::kRaw) require("value");
  if (rule.type == TagType::kRef) require("event");
  if (rule.type == TagType::kRef && rule.event == RefEvent::kPr && !rule.prefix)
    rule.prefix = "pr-";
  if (rule.type == TagType::kSha && !rule.prefix) rule.prefix = "sha-";
  return rule;
}

TagRule ParseTagRule(std::string_view entry) { return MakeTagRule(SplitTagEntry(entry), entry); }

Flavor ParseFlavor(const std::vector<std::string>& lines) {
  Flavor flavor;
  for (const std::string& line : lines) {
    // onlatest= applies to the prefix or suffix before it on the same line.
    bool* on_latest = nullptr;
    for (const auto& [key, value] : SplitTagEntry(line)) {
      auto bad = [&](std::string_view what) {
        return sdk::Error("flavor " + Quoted(line) + ": " + std::string(what));
      };
      if (key == "latest") {
        if (value == "auto") {
          flavor.latest = Latest::kAuto;
        } else if (value == "true") {
          flavor.latest = Latest::kTrue;
        } else if (value == "false") {
          flavor.latest = Latest::kFalse;
        } else {
          throw bad("latest must be auto, true or false, not " + Quoted(value));
        }
      } else if (key == "prefix") {
        flavor.prefix = value;
        on_latest = &flavor.prefix_on_latest;
      } else if (key == "suffix") {
        flavor.suffix = value;
        on_latest = &flavor.suffix_on_latest;
      } else if (key == "onlatest") {
        if (value != "true" && value != "false") {
          throw bad("onlatest must be true or false, not " + Quoted(value));
        }
        if (on_latest) *on_latest = value == "true";
      } else {
        throw bad("unknown key " + Quoted(key) + "; use latest, prefix, suffix or onlatest");
      }
    }
  }
  return flavor;
}

std::vector<TagRule> DefaultTagRules(const GitFacts& git) {
  std::optional<std::string> tag = After(git.ref, kTags);
  std::optional<SemVer> version = tag ? TagVersion(*tag) : std::nullopt;
  std::vector<TagRule> rules;
  for (std::string_view entry : kDefaultTags) {
    TagRule rule = ParseTagRule(entry);
    // Under major zero anything may change at any time, so `0` names nothing stable.
    if (rule.type == TagType::kSemver && rule.pattern == "{{major}}" && version &&
        version->major == 0) {
      rule.enable = "false";
    }
    if (rule.suffix == "-{{sha}}" && git.sha.empty()) rule.suffix = "";
    rules.push_back(std::move(rule));
  }
  return rules;
}

ImageTags ComputeTags(const TagPolicy& policy, const GitFacts& git) {
  std::vector<TagRule> rules = policy.rules ? *policy.rules : DefaultTagRules(git);
  // The default set's `latest` comes from its raw rule alone.
  Latest latest = policy.flavor.latest.value_or(policy.rules ? Latest::kAuto : Latest::kFalse);
  std::stable_sort(rules.begin(), rules.end(),
                   [](const TagRule& a, const TagRule& b) { return a.priority > b.priority; });
  Computation computation(policy.flavor, latest, git);
  for (const TagRule& rule : rules) computation.Apply(rule);
  return computation.Result();
}

std::string SanitizeTag(std::string_view value) {
  std::string out;
  bool in_run = false;
  for (char c : value) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '_' || c == '-';
    if (allowed) {
      out += c;
    } else if (!in_run) {
      out += '-';
    }
    in_run = !allowed;
  }
  size_t start = out.find_first_not_of(".-");
  out = start == std::string::npos ? "" : out.substr(start);
  if (out.size() > kMaxTagLength) out.resize(kMaxTagLength);
  return out;
}

std::string SanitizeImageName(std::string_view name) { return Lower(name); }

}  // namespace taskr::docker_buildx
