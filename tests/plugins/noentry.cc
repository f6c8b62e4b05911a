// noentry: a valid shared library that is not a taskr plugin: it exports a
// function, but not taskr_plugin_entry.
#include <taskr/plugin_api.h>

extern "C" TASKR_PLUGIN_EXPORT int taskr_plugin_entry_point_of_something_else(void) { return 42; }
