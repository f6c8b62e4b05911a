// throws: sets an output, then throws a std::exception from Run; the SDK must
// turn it into a failed task with the exception's message, never let it cross
// the C boundary; taskr still passes the output on, as for a failed run task.
#include <taskr/sdk.hpp>

#include <stdexcept>

class Throws {
 public:
  static taskr::sdk::Manifest Describe() {
    taskr::sdk::Manifest m{"throws", "1.0.0", "Throws std::runtime_error", {}, ""};
    m.actions.push_back({"fail", "Throw from Run", true, R"({"type": "object"})", {}});
    return m;
  }
  void Run(taskr::sdk::Context& ctx) {
    ctx.Info("throws: about to throw");
    ctx.SetOutput("partial", "set before the throw");
    throw std::runtime_error("disk on fire");
  }
};

TASKR_PLUGIN(Throws)
