/* Compiled as C99 with -pedantic -Werror against sdk/include: proves the
 * current <taskr/plugin_api.h> is pure C, and that every name, offset, size
 * and value of ABI 1.0 is where a plugin built against 1.0 expects it.
 * Exit 0 when all hold; otherwise print each difference and exit 1. */
#include <stdio.h>
#include <string.h>
#include <taskr/plugin_api.h>

#include "abi_layout.h"

static const abi_item kCurrent[] = {
#include "v1_0_fields.inc"
};

/* A C99 compile-time check: the array size is negative when `cond` is false. */
#define STATIC_CHECK(cond, name) typedef char static_check_##name[(cond) ? 1 : -1]
STATIC_CHECK(TASKR_ABI_MAJOR == 1, abi_major_is_1);
STATIC_CHECK(offsetof(taskr_plugin, abi_major) == 0, abi_major_comes_first);

/* A plugin implements these with exactly these types; assigning them proves it. */
static taskr_str Manifest(void) {
  taskr_str s = {"{}", 2};
  return s;
}
static void* Create(void) { return NULL; }
static void Destroy(void* instance) { (void)instance; }
static taskr_status Run(void* instance, const taskr_action_call* call) {
  (void)instance;
  (void)call;
  return TASKR_OK;
}
static taskr_str LastError(void* instance) {
  taskr_str s = {NULL, 0};
  (void)instance;
  return s;
}

int main(void) {
  size_t count = 0, i;
  const abi_item* old = abi_v1_0_items(&count);
  int failures = 0;
  taskr_plugin table;

  memset(&table, 0, sizeof table);
  table.abi_major = TASKR_ABI_MAJOR;
  table.abi_minor = TASKR_ABI_MINOR;
  table.struct_size = sizeof table;
  table.manifest = Manifest;
  table.create = Create;
  table.destroy = Destroy;
  table.run = Run;
  table.last_error = LastError;

  if (count != sizeof kCurrent / sizeof kCurrent[0]) {
    printf("FAIL: %lu items for 1.0, %lu for the current header\n", (unsigned long)count,
           (unsigned long)(sizeof kCurrent / sizeof kCurrent[0]));
    return 1;
  }
  for (i = 0; i < count; ++i) {
    const abi_item* was = &old[i];
    const abi_item* now = &kCurrent[i];
    int ok;
    if (was->text || now->text) {
      ok = was->text && now->text && strcmp(was->text, now->text) == 0;
    } else if (was->rule == ABI_AT_LEAST) {
      ok = now->value >= was->value;
    } else {
      ok = now->value == was->value;
    }
    if (!ok) {
      ++failures;
      if (was->text || now->text) {
        printf("FAIL: %s is \"%s\", was \"%s\" in ABI 1.0\n", now->what, now->text ? now->text : "",
               was->text ? was->text : "");
      } else {
        printf("FAIL: %s is %lu, was %lu in ABI 1.0%s\n", now->what, now->value, was->value,
               was->rule == ABI_AT_LEAST ? " (it may only grow)" : "");
      }
    }
  }
  printf(
      "ABI %d.%d header: %lu items checked against the frozen 1.0 header, %d differ; "
      "sizeof(taskr_plugin) = %lu, sizeof(taskr_host) = %lu, sizeof(taskr_finding) = %lu\n",
      TASKR_ABI_MAJOR, TASKR_ABI_MINOR, (unsigned long)count, failures,
      (unsigned long)sizeof(taskr_plugin), (unsigned long)sizeof(taskr_host),
      (unsigned long)sizeof(taskr_finding));
  return failures ? 1 : 0;
}
