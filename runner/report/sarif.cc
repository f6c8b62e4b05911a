#include "runner/report/sarif.h"

#include <fmt/core.h>
#include <zlib.h>

#include <algorithm>
#include <map>
#include <set>

#include "runner/base/digest.h"
#include "runner/base/json_path.h"
#include "runner/base/read_file.h"
#include "runner/exec/contexts.h"
#include "runner/exec/sarif_import.h"
#include "runner/model/pipeline.h"
#include "runner/report/findings.h"
#include "runner/report/fingerprint.h"
#include "runner/report/json_text.h"

namespace taskr {

namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxText = 1024;  // GitHub's limit on rule descriptions

std::string Cut(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "...";
}

std::string PercentEncodePath(std::string_view s) {
  static constexpr std::string_view kKeep = "-._~/!$&'()*+,;=:@";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (isalnum(u) || kKeep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

// Severity orders SARIF results for the cut to GitHub's limits: level first,
// then the rule's security-severity.
double ResultRank(const Json& result, const std::map<std::string, double>& rule_severity) {
  std::string level = JsonStringAt(result, {"level"});
  double base = level == "error" ? 20 : level == "note" || level == "none" ? 0 : 10;
  auto it = rule_severity.find(JsonStringAt(result, {"ruleId"}));
  return base + (it == rule_severity.end() ? 0 : it->second);
}

size_t GzipSize(const std::string& text) {
  uLongf size = compressBound(static_cast<uLong>(text.size()));
  std::string buffer(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(buffer.data()), &size,
                reinterpret_cast<const Bytef*>(text.data()), static_cast<uLong>(text.size()),
                6) != Z_OK) {
    return text.size();
  }
  return size + 12;  // gzip's header and trailer are 12 bytes longer than zlib's
}

// SarifBuilder collects the runs of one SARIF log.
class SarifBuilder {
 public:
  SarifBuilder(const RunInfo& info, const std::vector<TaskResult>& results)
      : info_(info), results_(results) {
    root_ = info.pipeline->root;
    std::string dir = std::filesystem::path(info.run_dir).filename().string();
    run_id_ = dir.empty() ? "run" : dir;
  }

  // AddFindingRuns adds one run per task and tool for the findings plugins reported.
  void AddFindingRuns(NodeId id, std::vector<std::string>* warnings) {
    std::map<std::string, std::vector<const Value*>> by_tool;
    for (const Value& f : results_[id].findings) {
      FindingView v{&f};
      if (v.Text("source") == "sarif") continue;
      std::string tool = v.Text("tool");
      by_tool[tool.empty() ? "taskr" : tool].push_back(&f);
    }
    for (const auto& [tool, findings] : by_tool) {
      Json run = FindingRun(id, tool, findings, warnings);
      runs_.push_back(std::move(run));
    }
  }

  // AddDeclaredFile adds the runs of the SARIF file a `run` task declared.
  void AddDeclaredFile(NodeId id, std::vector<std::string>* warnings) {
    const std::string& rel = results_[id].sarif_path;
    std::filesystem::path path = root_ / rel;
    std::error_code ec;
    std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
    if (!seen_files_.insert(ec ? path.string() : canonical.string()).second) return;
    bool exists = false;
    std::string text = ReadFile(path, &exists);
    if (!exists) return;
    Json log = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    const Json* runs = JsonFind(log, "runs");
    if (!runs || !runs->is_array()) {
      warnings->push_back(
          fmt::format("{}: {} is not a SARIF log; left out of results.sarif", Node(id).id, rel));
      return;
    }
    size_t index = 0;
    for (const Json& original : *runs) {
      if (!original.is_object()) continue;
      Json run = original;
      std::string id_text = JsonStringAt(run, {"automationDetails", "id"});
      std::string category =
          id_text.substr(0, id_text.rfind('/') == std::string::npos ? 0 : id_text.rfind('/'));
      if (category.empty()) {
        category = runs->size() > 1 ? fmt::format("{}-{}", Node(id).id, ++index) : Node(id).id;
      }
      run["automationDetails"]["id"] = fmt::format("{}/{}", UniqueCategory(run, category), run_id_);
      FillFingerprints(run);
      runs_.push_back(std::move(run));
    }
  }

  // Finish applies GitHub's limits and renders the log.
  std::string Finish(const SarifLimits& limits, std::vector<std::string>* warnings) {
    if (runs_.size() > limits.runs) {
      warnings->push_back(
          fmt::format("results.sarif: GitHub accepts {} runs per file; left out {} runs (of {})",
                      limits.runs, runs_.size() - limits.runs, runs_.size()));
      runs_.resize(limits.runs);
    }
    for (Json& run : runs_) ApplyRunLimits(run, limits, warnings);
    Json log;
    log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
    log["version"] = "2.1.0";
    log["runs"] = runs_;
    std::string text = JsonText(log, info_.contexts, 1);
    size_t dropped = 0;
    while (GzipSize(text) > limits.gzip_bytes) {
      Json* biggest = nullptr;
      for (Json& run : log["runs"]) {
        if (!biggest || run["results"].size() > (*biggest)["results"].size()) biggest = &run;
      }
      if (!biggest || (*biggest)["results"].empty()) break;
      Json& results = (*biggest)["results"];
      size_t keep = results.size() / 2;
      dropped += results.size() - keep;
      results.erase(results.begin() + static_cast<std::ptrdiff_t>(keep), results.end());
      text = JsonText(log, info_.contexts, 1);
    }
    if (dropped) {
      warnings->push_back(fmt::format(
          "results.sarif: left out the {} least severe results to stay under GitHub's {} MB "
          "(gzipped) limit",
          dropped, limits.gzip_bytes / 1000 / 1000));
    }
    return text;
  }

 private:
  const TaskNode& Node(NodeId id) const { return info_.graph->node(id); }

  // FindingRun makes the run of one task and tool. A rule's help comes from its
  // first finding: SARIF has one help text per rule, so a later finding of the
  // rule whose help differs is named in `warnings` rather than lost silently.
  Json FindingRun(NodeId id, const std::string& tool, const std::vector<const Value*>& findings,
                  std::vector<std::string>* warnings) {
    Json rules = Json::array();
    Json results = Json::array();
    std::map<std::string, size_t> rule_index;
    std::map<std::string, std::string> rule_help;
    std::set<std::string> warned;
    for (const Value* f : findings) {
      FindingView v{f};
      std::string rule_id = v.Text("rule_id").empty() ? tool : v.Text("rule_id");
      auto [it, added] = rule_index.emplace(rule_id, rules.size());
      if (added) {
        rules.push_back(Rule(rule_id, v));
        rule_help.emplace(rule_id, v.Text("help"));
      } else if (!v.Text("help").empty() && v.Text("help") != rule_help[rule_id] &&
                 warned.insert(rule_id).second) {
        warnings->push_back(fmt::format(
            "{}: findings of rule {} carry different help texts; results.sarif keeps one per "
            "rule, the first one's",
            Node(id).id, rule_id));
      }
      results.push_back(Result(id, rule_id, it->second, v));
    }
    Json driver;
    driver["name"] = tool;
    std::string version = findings.empty() ? "" : FindingView{findings[0]}.Text("tool_version");
    if (!version.empty()) driver["version"] = version;
    driver["informationUri"] = "https://github.com/taskr-dev/taskr";
    driver["rules"] = std::move(rules);
    Json run;
    run["tool"]["driver"] = std::move(driver);
    run["automationDetails"]["id"] =
        fmt::format("{}/{}", UniqueCategory(run, Node(id).id), run_id_);
    run["results"] = std::move(results);
    return run;
  }

  static Json Rule(const std::string& rule_id, const FindingView& v) {
    std::string name = v.Text("rule_name");
    std::string short_text = Cut(name.empty() ? rule_id : name, kMaxText);
    std::string full_text = name.empty() ? v.Text("message") : name;
    if (full_text.empty()) full_text = rule_id;
    std::string help = v.Text("help");
    std::string uri = v.Text("help_uri");
    Json rule;
    rule["id"] = rule_id;
    if (!name.empty()) rule["name"] = Cut(name, 255);
    rule["shortDescription"]["text"] = short_text;
    rule["fullDescription"]["text"] = Cut(full_text, kMaxText);
    rule["help"]["text"] = !help.empty() ? help : !uri.empty() ? "See " + uri : short_text;
    if (!help.empty()) rule["help"]["markdown"] = help;
    if (!uri.empty()) rule["helpUri"] = uri;
    rule["defaultConfiguration"]["level"] = v.Level();
    double severity = v.SecuritySeverity();
    if (severity >= 0) {
      rule["properties"]["tags"] = Json::array({"security", v.Severity()});
      if (severity > 0) rule["properties"]["security-severity"] = fmt::format("{:.1f}", severity);
    }
    return rule;
  }

  Json Result(NodeId id, const std::string& rule_id, size_t rule_index, const FindingView& v) {
    std::string uri;
    uint32_t line = v.Number("line");
    uint32_t column = v.Number("column");
    std::string file = v.Text("file");
    if (!file.empty()) {
      std::filesystem::path p = file;
      if (p.is_absolute()) p = p.lexically_relative(root_);
      uri = p.lexically_normal().generic_string();
      if (uri.empty() || uri.starts_with("..")) uri = file;
    } else {
      // A finding about no file points at the task that reported it.
      uri = std::filesystem::path(info_.pipeline->file).filename().string();
      line = Node(id).spec->loc.line;
      column = 0;
    }
    if (line == 0) line = 1;
    std::string message = v.Text("message");
    if (message.empty()) message = v.Text("rule_name").empty() ? rule_id : v.Text("rule_name");
    Json region;
    region["startLine"] = line;
    if (column > 0) region["startColumn"] = column;
    Json location;
    location["physicalLocation"]["artifactLocation"]["uri"] = PercentEncodePath(uri);
    location["physicalLocation"]["region"] = std::move(region);
    Json result;
    result["ruleId"] = rule_id;
    result["ruleIndex"] = rule_index;
    result["level"] = v.Level();
    result["message"]["text"] = message;
    result["locations"] = Json::array({std::move(location)});
    result["partialFingerprints"]["primaryLocationLineHash"] =
        LineHash(uri, line, rule_id + "\n" + message);
    return result;
  }

  // LineHash is GitHub's fingerprint of `line` in the file at `uri`; for a file
  // taskr cannot read, a digest of what the result says instead.
  std::string LineHash(const std::string& uri, uint32_t line, const std::string& fallback) {
    auto it = line_hashes_.find(uri);
    if (it == line_hashes_.end()) {
      bool exists = false;
      std::string text = ReadFile(root_ / PercentDecode(uri), &exists);
      it = line_hashes_.emplace(uri, exists ? LineHashes(text) : std::vector<std::string>{}).first;
    }
    if (line >= 1 && line <= it->second.size()) return it->second[line - 1];
    return Sha256Hex(uri + "\n" + fallback).substr(0, 16) + ":1";
  }

  void FillFingerprints(Json& run) {
    Json* results = run.contains("results") ? &run["results"] : nullptr;
    if (!results || !results->is_array()) {
      run["results"] = Json::array();
      return;
    }
    for (Json& result : *results) {
      if (!result.is_object()) continue;
      if (!JsonStringAt(result, {"partialFingerprints", "primaryLocationLineHash"}).empty())
        continue;
      const Json* locations = JsonFind(result, "locations");
      if (!locations || !locations->is_array() || locations->empty()) continue;
      const Json& physical = (*locations)[0].value("physicalLocation", Json::object());
      std::string uri = JsonStringAt(physical, {"artifactLocation", "uri"});
      if (uri.empty() || uri.find("://") != std::string::npos) continue;
      auto line = static_cast<uint32_t>(JsonNumberAt(physical, {"region", "startLine"}, 1));
      result["partialFingerprints"]["primaryLocationLineHash"] = LineHash(
          uri, line,
          JsonStringAt(result, {"ruleId"}) + "\n" + JsonStringAt(result, {"message", "text"}));
    }
  }

  // UniqueCategory keeps each (tool, category) pair once in the log: GitHub
  // rejects a file in which two runs share both.
  std::string UniqueCategory(const Json& run, const std::string& category) {
    std::string tool = JsonStringAt(run, {"tool", "driver", "name"});
    std::string candidate = category;
    for (int n = 2; !categories_.insert(tool + "\n" + candidate).second; ++n) {
      candidate = fmt::format("{}-{}", category, n);
    }
    return candidate;
  }

  void ApplyRunLimits(Json& run, const SarifLimits& limits, std::vector<std::string>* warnings) {
    std::string tool = JsonStringAt(run, {"tool", "driver", "name"});
    std::map<std::string, double> rule_severity;
    if (const Json* rules = JsonFind(run["tool"]["driver"], "rules"); rules && rules->is_array()) {
      for (const Json& rule : *rules) {
        rule_severity[JsonStringAt(rule, {"id"})] =
            JsonNumberAt(rule, {"properties", "security-severity"}, 0);
      }
    }
    Json& results = run["results"];
    if (results.size() > limits.results_per_run) {
      std::vector<Json> sorted(results.begin(), results.end());
      std::stable_sort(sorted.begin(), sorted.end(), [&](const Json& a, const Json& b) {
        return ResultRank(a, rule_severity) > ResultRank(b, rule_severity);
      });
      warnings->push_back(fmt::format(
          "results.sarif: {} reported {} results; GitHub accepts {} per run, so the {} least "
          "severe were left out",
          tool, results.size(), limits.results_per_run, results.size() - limits.results_per_run));
      sorted.resize(limits.results_per_run);
      results = Json(sorted);
    }
    for (Json& result : results) {
      if (!result.is_object()) continue;
      if (auto it = result.find("locations");
          it != result.end() && it->is_array() && it->size() > limits.locations_per_result) {
        it->erase(it->begin() + static_cast<std::ptrdiff_t>(limits.locations_per_result),
                  it->end());
      }
    }
    Json& driver = run["tool"]["driver"];
    if (!driver.contains("rules")) driver["rules"] = Json::array();
    Json& rules = driver["rules"];
    if (rules.is_array() && rules.size() > limits.rules_per_run) {
      warnings->push_back(fmt::format("results.sarif: {} declared {} rules; kept {}", tool,
                                      rules.size(), limits.rules_per_run));
      rules.erase(rules.begin() + static_cast<std::ptrdiff_t>(limits.rules_per_run), rules.end());
    }
    for (Json& rule : rules) {
      if (!rule.is_object() || !rule.contains("properties")) continue;
      Json& props = rule["properties"];
      if (props.is_object() && props.contains("tags") && props["tags"].is_array() &&
          props["tags"].size() > limits.tags_per_rule) {
        props["tags"].erase(
            props["tags"].begin() + static_cast<std::ptrdiff_t>(limits.tags_per_rule),
            props["tags"].end());
      }
    }
  }

  const RunInfo& info_;
  const std::vector<TaskResult>& results_;
  std::filesystem::path root_;
  std::string run_id_;
  std::vector<Json> runs_;
  std::set<std::string> categories_;
  std::set<std::string> seen_files_;
  std::map<std::string, std::vector<std::string>> line_hashes_;
};

}  // namespace

std::string BuildSarif(const RunInfo& info, const std::vector<TaskResult>& results,
                       const SarifLimits& limits, std::vector<std::string>* warnings) {
  SarifBuilder builder(info, results);
  for (NodeId id : info.selection->order) builder.AddFindingRuns(id, warnings);
  for (NodeId id : info.selection->order) {
    if (!results[id].sarif_path.empty()) builder.AddDeclaredFile(id, warnings);
  }
  return builder.Finish(limits, warnings);
}

}  // namespace taskr
