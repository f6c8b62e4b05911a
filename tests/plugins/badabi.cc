// badabi: a hand-written table that claims plugin ABI 2.0, which this taskr
// (1.x) must refuse by reading only the version fields.
#include <taskr/plugin_api.h>

namespace {

taskr_str Manifest() {
  static const char kJson[] =
      R"({"name": "badabi", "version": "1.0.0", "actions": {"run": {"params": {"type": "object"}}}})";
  return taskr_str{kJson, sizeof kJson - 1};
}
void* Create() { return nullptr; }
void Destroy(void*) {}
taskr_status Run(void*, const taskr_action_call*) { return TASKR_ERROR; }
taskr_str LastError(void*) { return taskr_str{nullptr, 0}; }

const taskr_plugin kTable = {
    2,  // abi_major: a future, incompatible ABI
    0, sizeof(taskr_plugin), 0u, &Manifest, &Create, &Destroy, &Run, &LastError, nullptr,
};

}  // namespace

extern "C" TASKR_PLUGIN_EXPORT const taskr_plugin* taskr_plugin_entry(void) { return &kTable; }
