// good: a well-behaved plugin using every host service the SDK offers.
//   [tasks.x] uses = "good.echo", with = { message = "hi", count = 2 }
#include <taskr/sdk.hpp>

#include <fstream>
#include <string>

class Good {
 public:
  static taskr::sdk::Manifest Describe() {
    taskr::sdk::Manifest m{"good", "1.0.0", "A well-behaved test plugin", {}, "echo"};
    m.actions.push_back({"echo",
                         "Log a message `count` times",
                         true,
                         R"({"type": "object",
                             "properties": {
                               "message": {"type": "string"},
                               "count": {"type": "integer", "minimum": 1, "default": 1}
                             },
                             "required": ["message"],
                             "additionalProperties": false})",
                         {{"echoed", "the message, once"}}});
    return m;
  }

  void Run(taskr::sdk::Context& ctx) {
    const std::string& message = ctx.params()["message"].as_string();
    int64_t count = ctx.params()["count"].as_int();
    for (int64_t i = 0; i < count; ++i) ctx.Info(message);
    ctx.SetOutput("echoed", message);

    taskr::sdk::Finding f;
    f.rule_id = "GOOD-1";
    f.rule_name = "echoed";
    f.level = TASKR_FINDING_WARNING;
    f.message = "echoed '" + message + "' " + std::to_string(count) + " time(s)";
    f.file = "pipeline.toml";
    f.line = 3;
    f.column = 1;
    f.security_severity = 7.5;
    f.help = "Nothing to fix: this is a test finding.";
    ctx.ReportFinding(f);

    std::string artifact = ctx.Workspace() + "/echoed.txt";
    {
      std::ofstream out(artifact);
      out << message << '\n';
      if (!out) throw taskr::sdk::Error("cannot write " + artifact);
    }
    ctx.AddArtifact("echoed.txt");
    ctx.AppendSummary("- good echoed **" + message + "** " + std::to_string(count) + " time(s)\n");
  }
};

TASKR_PLUGIN(Good)
