/* The ABI 1.0 layout, measured on the frozen copy of the header. */
#include "v1_0/taskr/plugin_api.h"

#include "abi_layout.h"

static const abi_item kItems[] = {
#include "v1_0_fields.inc"
};

const abi_item* abi_v1_0_items(size_t* count) {
  *count = sizeof kItems / sizeof kItems[0];
  return kItems;
}
