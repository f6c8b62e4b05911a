// versioned: a pure action whose tool identity is the content of
// tool-version.txt in the workspace, standing in for `trivy --version` plus a
// database digest. Upgrading the "tool" must change the cache key.
#include <fstream>
#include <sstream>
#include <taskr/sdk.hpp>

class Versioned {
 public:
  static taskr::sdk::Manifest Describe() {
    taskr::sdk::Manifest m;
    m.name = "versioned";
    m.version = "1.0.0";
    m.description = "Writes a stamp; its tool identity comes from tool-version.txt";
    taskr::sdk::ActionInfo stamp;
    stamp.name = "stamp";
    stamp.description = "Write `output` with the tool version";
    stamp.params = R"({"type": "object", "properties": {"output": {"type": "string"}},
                       "required": ["output"], "additionalProperties": false})";
    m.actions.push_back(stamp);
    return m;
  }

  void Run(taskr::sdk::Context& ctx) {
    std::string out = ctx.Workspace() + "/" + ctx.params()["output"].as_string();
    std::ofstream(out) << "stamped with " << Version(ctx);
    std::ofstream(ctx.Workspace() + "/stamp-runs.log", std::ios::app) << "run\n";
  }

  std::string ToolIdentity(taskr::sdk::Context& ctx) { return "tool " + Version(ctx); }

 private:
  static std::string Version(taskr::sdk::Context& ctx) {
    std::ifstream in(ctx.Workspace() + "/tool-version.txt");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

TASKR_PLUGIN(Versioned)
