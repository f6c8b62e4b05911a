// exits: calls std::exit(7) in the middle of Run, so the worker never reports
// the action's end.
#include <taskr/sdk.hpp>

#include <cstdlib>

class Exits {
 public:
  static taskr::sdk::Manifest Describe() {
    taskr::sdk::Manifest m{"exits", "1.0.0", "Calls std::exit(7) in Run", {}, ""};
    m.actions.push_back({"quit", "Exit the process", true, R"({"type": "object"})", {}});
    return m;
  }
  void Run(taskr::sdk::Context& ctx) {
    ctx.Info("exits: calling std::exit(7)");
    std::exit(7);
  }
};

TASKR_PLUGIN(Exits)
