// nullcap: declares TASKR_CAP_TOOL_IDENTITY but leaves tool_identity NULL;
// taskr must refuse it at load time rather than call through NULL later.
#include <taskr/plugin_api.h>

namespace {

taskr_str Manifest() {
  static const char kJson[] =
      R"({"name": "nullcap", "version": "1.0.0", "actions": {"run": {"params": {"type": "object"}}}})";
  return taskr_str{kJson, sizeof kJson - 1};
}
void* Create() {
  static int instance;
  return &instance;
}
void Destroy(void*) {}
taskr_status Run(void*, const taskr_action_call*) { return TASKR_OK; }
taskr_str LastError(void*) { return taskr_str{nullptr, 0}; }

const taskr_plugin kTable = {
    TASKR_ABI_MAJOR,
    TASKR_ABI_MINOR,
    sizeof(taskr_plugin),
    TASKR_CAP_TOOL_IDENTITY,
    &Manifest,
    &Create,
    &Destroy,
    &Run,
    &LastError,
    nullptr,  // tool_identity, though the capability is declared
};

}  // namespace

extern "C" TASKR_PLUGIN_EXPORT const taskr_plugin* taskr_plugin_entry(void) { return &kTable; }
