// abort: calls std::abort() in Run (SIGABRT), like a failed assertion.
#include <taskr/sdk.hpp>

#include <cstdlib>

class Abort {
 public:
  static taskr::sdk::Manifest Describe() {
    taskr::sdk::Manifest m{"abort", "1.0.0", "Calls std::abort()", {}, ""};
    m.actions.push_back({"crash", "Abort the process", true, R"({"type": "object"})", {}});
    return m;
  }
  void Run(taskr::sdk::Context& ctx) {
    ctx.Info("abort: calling std::abort()");
    std::abort();
  }
};

TASKR_PLUGIN(Abort)
