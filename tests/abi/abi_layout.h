/* The items of v1_0_fields.inc as data, so that two translation units, one
 * compiled against the frozen v1.0 header and one against the current header,
 * can be compared. Plain C99. */
#ifndef TASKR_TESTS_ABI_LAYOUT_H_
#define TASKR_TESTS_ABI_LAYOUT_H_

#include <stddef.h>

typedef enum abi_rule {
  ABI_SAME = 0,    /* the current value must equal 1.0's */
  ABI_AT_LEAST = 1 /* the current value may be larger (a growable struct, the minor version) */
} abi_rule;

typedef struct abi_item {
  const char* what;
  unsigned long value;
  abi_rule rule;
  const char* text; /* for STRING items; NULL otherwise */
} abi_item;

#define ABI_ITEM_FIELD(type, member)                                                    \
  {#type "." #member " offset", (unsigned long)offsetof(type, member), ABI_SAME, NULL}, \
      {#type "." #member " size", (unsigned long)sizeof(((type*)0)->member), ABI_SAME, NULL},
#define ABI_ITEM_EXACT_SIZE(type) \
  {"sizeof(" #type ")", (unsigned long)sizeof(type), ABI_SAME, NULL},
#define ABI_ITEM_GROWABLE(type) \
  {"sizeof(" #type ")", (unsigned long)sizeof(type), ABI_AT_LEAST, NULL},
#define ABI_ITEM_CONSTANT(name) {#name, (unsigned long)(name), ABI_SAME, NULL},
#define ABI_ITEM_AT_LEAST(name) {#name, (unsigned long)(name), ABI_AT_LEAST, NULL},
#define ABI_ITEM_STRING(name) {#name, 0ul, ABI_SAME, name},

/* ABI_ITEMS expands v1_0_fields.inc into an array initializer's items. */
#define FIELD ABI_ITEM_FIELD
#define EXACT_SIZE ABI_ITEM_EXACT_SIZE
#define GROWABLE ABI_ITEM_GROWABLE
#define CONSTANT ABI_ITEM_CONSTANT
#define AT_LEAST ABI_ITEM_AT_LEAST
#define STRING ABI_ITEM_STRING

/* abi_v1_0_items returns the items as the frozen v1.0 header defines them. */
const abi_item* abi_v1_0_items(size_t* count);

#endif /* TASKR_TESTS_ABI_LAYOUT_H_ */
