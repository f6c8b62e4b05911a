// findings: reports many findings, to test annotation caps, ranking and SARIF.
//   [tasks.x] uses = "findings.report", with = { count = 25, level = "error", file = "src/a.c" }
// Finding i (from 1) has rule FIND-<i>, line i, and security severity 10 - i/10
// when `security` is true, so lower numbers are more severe. With `one_rule`,
// every finding is of rule FIND-1, finding i with the help text "fix number i".
#include <taskr/sdk.hpp>

#include <string>

class Findings {
 public:
  static taskr::sdk::Manifest Describe() {
    taskr::sdk::Manifest m{"findings", "2.0.0", "Reports many findings", {}, "report"};
    m.actions.push_back({"report",
                         "Report `count` findings",
                         true,
                         R"({"type": "object",
                             "properties": {
                               "count": {"type": "integer", "minimum": 0},
                               "level": {"type": "string", "enum": ["note", "warning", "error"]},
                               "file": {"type": "string", "default": ""},
                               "security": {"type": "boolean", "default": false},
                               "message": {"type": "string", "default": "finding"},
                               "one_rule": {"type": "boolean", "default": false}
                             },
                             "required": ["count", "level"],
                             "additionalProperties": false})",
                         {}});
    return m;
  }

  void Run(taskr::sdk::Context& ctx) {
    int64_t count = ctx.params()["count"].as_int();
    const std::string& level = ctx.params()["level"].as_string();
    bool security = ctx.params()["security"].as_bool();
    for (int64_t i = 1; i <= count; ++i) {
      taskr::sdk::Finding f;
      bool one_rule = ctx.params()["one_rule"].as_bool();
      f.rule_id = "FIND-" + std::to_string(one_rule ? 1 : i);
      if (one_rule) f.help = "fix number " + std::to_string(i);
      f.rule_name = "rule number " + std::to_string(i);
      f.level = level == "error"  ? TASKR_FINDING_ERROR
                : level == "note" ? TASKR_FINDING_NOTE
                                  : TASKR_FINDING_WARNING;
      f.message = ctx.params()["message"].as_string() + " " + std::to_string(i);
      f.file = ctx.params()["file"].as_string();
      f.line = static_cast<uint32_t>(i);
      f.security_severity = security ? 10.0 - static_cast<double>(i) / 10 : -1;
      ctx.ReportFinding(f);
    }
  }
};

TASKR_PLUGIN(Findings)
