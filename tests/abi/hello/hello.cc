// hello: the smallest useful taskr plugin, written the way a third party
// would: only <taskr/sdk.hpp> from an installed taskr-sdk package.
#include <taskr/sdk.hpp>

#include <string>

class Hello {
 public:
  static taskr::sdk::Manifest Describe() {
    taskr::sdk::Manifest m{"hello", "1.0.0", "Greets someone", {}, "greet"};
    m.actions.push_back({"greet",
                         "Print a greeting",
                         /*pure=*/true,
                         R"({"type": "object",
                             "properties": {"name": {"type": "string", "default": "world"}},
                             "additionalProperties": false})",
                         {{"greeting", "the text printed"}}});
    return m;
  }

  void Run(taskr::sdk::Context& ctx) {
    std::string text = "hello, " + ctx.params()["name"].as_string();
    ctx.Info(text);
    ctx.SetOutput("greeting", text);
    taskr::sdk::Finding f;
    f.rule_id = "HELLO-1";
    f.rule_name = "greeting";
    f.level = TASKR_FINDING_NOTE;
    f.message = "greeted " + ctx.params()["name"].as_string();
    ctx.ReportFinding(f);
    ctx.AppendSummary("- greeted **" + ctx.params()["name"].as_string() + "**\n");
  }
};

TASKR_PLUGIN(Hello)
