// hangs: never returns and ignores cancellation, so only the task's timeout
// and taskr's SIGKILL after the grace period end it.
#include <unistd.h>
#include <taskr/sdk.hpp>

class Hangs {
 public:
  static taskr::sdk::Manifest Describe() {
    taskr::sdk::Manifest m{"hangs", "1.0.0", "Loops forever, ignoring cancellation", {}, ""};
    m.actions.push_back({"wait", "Sleep forever", false, R"({"type": "object"})", {}});
    return m;
  }
  [[noreturn]] void Run(taskr::sdk::Context& ctx) {
    ctx.Info("hangs: sleeping forever");
    while (true) sleep(1);
  }
};

TASKR_PLUGIN(Hangs)
