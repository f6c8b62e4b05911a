// segv: crashes with SIGSEGV in Run, the way a buggy plugin does.
#include <taskr/sdk.hpp>

namespace {
// volatile, so the compiler cannot prove the pointer is null and replace the
// store with a trap (SIGILL) instead of a real segmentation fault.
int* volatile g_nowhere = nullptr;
}  // namespace

class Segv {
 public:
  static taskr::sdk::Manifest Describe() {
    taskr::sdk::Manifest m{"segv", "1.0.0", "Dereferences a null pointer", {}, ""};
    m.actions.push_back(
        {"crash", "Write through a null pointer", true, R"({"type": "object"})", {}});
    return m;
  }
  void Run(taskr::sdk::Context& ctx) {
    ctx.Info("segv: about to write through a null pointer");
    *g_nowhere = 42;
  }
};

TASKR_PLUGIN(Segv)
