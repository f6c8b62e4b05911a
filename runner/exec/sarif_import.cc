#include "runner/exec/sarif_import.h"

#include <map>

#include "runner/base/json_path.h"

namespace taskr {

using Json = nlohmann::ordered_json;

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Result<std::vector<Value>> FindingsFromSarif(std::string_view text) {
  Json log = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (log.is_discarded()) return Status::Error("not valid JSON");
  const Json* runs = JsonFind(log, "runs");
  if (!runs || !runs->is_array()) return Status::Error("no \"runs\" array: not a SARIF log");
  std::vector<Value> findings;
  for (const Json& run : *runs) {
    std::string tool = JsonStringAt(run, {"tool", "driver", "name"});
    std::string version = JsonStringAt(run, {"tool", "driver", "version"});
    std::vector<const Json*> rules;
    std::map<std::string, const Json*> rules_by_id;
    const Json* tool_json = JsonFind(run, "tool");
    const Json* driver = tool_json ? JsonFind(*tool_json, "driver") : nullptr;
    if (driver) {
      const Json* list = JsonFind(*driver, "rules");
      if (list && list->is_array()) {
        for (const Json& rule : *list) {
          rules.push_back(&rule);
          rules_by_id.emplace(JsonStringAt(rule, {"id"}), &rule);
        }
      }
    }
    const Json* results = JsonFind(run, "results");
    if (!results || !results->is_array()) continue;
    for (const Json& result : *results) {
      if (!result.is_object()) continue;
      std::string rule_id = JsonStringAt(result, {"ruleId"});
      const Json* rule = nullptr;
      if (auto it = rules_by_id.find(rule_id); it != rules_by_id.end()) rule = it->second;
      double index = JsonNumberAt(result, {"ruleIndex"}, -1);
      if (!rule && index >= 0 && index < static_cast<double>(rules.size()))
        rule = rules[static_cast<size_t>(index)];
      static const Json kEmpty = Json::object();
      const Json& r = rule ? *rule : kEmpty;
      if (rule_id.empty()) rule_id = JsonStringAt(r, {"id"});
      std::string level = JsonStringAt(result, {"level"});
      if (level.empty()) level = JsonStringAt(r, {"defaultConfiguration", "level"});
      if (level != "error" && level != "note") level = "warning";
      std::string file, message = JsonStringAt(result, {"message", "text"});
      double line = 0, column = 0;
      if (const Json* locs = JsonFind(result, "locations");
          locs && locs->is_array() && !locs->empty()) {
        const Json& physical = (*locs)[0].value("physicalLocation", Json::object());
        file = PercentDecode(JsonStringAt(physical, {"artifactLocation", "uri"}));
        if (file.starts_with("file://")) file = file.substr(7);
        line = JsonNumberAt(physical, {"region", "startLine"}, 0);
        column = JsonNumberAt(physical, {"region", "startColumn"}, 0);
      }
      std::string name = JsonStringAt(r, {"name"});
      if (name.empty()) name = JsonStringAt(r, {"shortDescription", "text"});
      std::string help = JsonStringAt(r, {"help", "markdown"});
      if (help.empty()) help = JsonStringAt(r, {"help", "text"});
      ValueObject f;
      f.emplace("source", Value("sarif"));
      f.emplace("tool", Value(tool));
      f.emplace("tool_version", Value(version));
      f.emplace("rule_id", Value(rule_id));
      f.emplace("rule_name", Value(name));
      f.emplace("level", Value(level));
      f.emplace("message", Value(message));
      f.emplace("file", Value(file));
      f.emplace("line", Value(line));
      f.emplace("column", Value(column));
      f.emplace("security_severity",
                Value(JsonNumberAt(r, {"properties", "security-severity"}, -1)));
      f.emplace("help", Value(help));
      f.emplace("help_uri", Value(JsonStringAt(r, {"helpUri"})));
      findings.emplace_back(std::move(f));
    }
  }
  return findings;
}

}  // namespace taskr
