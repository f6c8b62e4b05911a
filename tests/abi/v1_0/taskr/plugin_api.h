/*
 * taskr plugin ABI, version 1.0.
 *
 * A taskr plugin is a shared library that exports one C function,
 * `taskr_plugin_entry`, returning a table (taskr_plugin) of function pointers.
 * taskr loads the library in a worker process, never in the process that
 * schedules tasks, so a plugin that crashes fails only its own task.
 *
 * Most authors never read this file: they write a C++ class against
 * <taskr/sdk.hpp>, which fills these structs in. It is pure C (C99) so that
 * any compiler, and any language with a C FFI, can implement it.
 *
 * VERSIONING
 *   TASKR_ABI_MAJOR changes only when an existing struct or function changes
 *   meaning; taskr refuses a plugin whose major differs from its own.
 *   TASKR_ABI_MINOR grows when something is appended; taskr accepts a plugin
 *   whose minor is at most its own. Fields are only ever appended to the
 *   growable structs below, each of which starts with `struct_size`: a reader
 *   uses a field only when struct_size shows the writer knew it.
 *   The version fields come first in taskr_plugin so that any host, old or
 *   new, can read them and say clearly why it refuses a plugin.
 *
 * OWNERSHIP (one rule for the whole ABI)
 *   - Pointers passed INTO a function are borrowed for the duration of that
 *     call only; copy what you need to keep.
 *   - Strings and buffers RETURNED by the plugin (manifest, last_error,
 *     tool identity) belong to the plugin. The manifest lives as long as the
 *     library is loaded; everything else stays valid until the next call on
 *     the same instance, or until it is destroyed.
 *   - Strings RETURNED by the host (workspace, env, secret) stay valid until
 *     the action call returns.
 *   - Strings are taskr_str: pointer + length, UTF-8, not NUL-terminated.
 *     A NULL data pointer with size 0 is the empty string.
 *
 * ERRORS
 *   Every plugin function that can fail returns a taskr_status. On any status
 *   but TASKR_OK the host reads last_error(instance) for a message meant for a
 *   person. No C++ exception, longjmp or signal may cross this boundary.
 *
 * THREADS
 *   The host calls a plugin instance from one thread at a time. A plugin may
 *   call host services from any thread it created, while the action call
 *   that handed out the host table is still running.
 */
#ifndef TASKR_PLUGIN_API_H_
#define TASKR_PLUGIN_API_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. */
#define TASKR_ABI_MAJOR 1
#define TASKR_ABI_MINOR 0

/* The one symbol a plugin exports. */
#define TASKR_PLUGIN_ENTRY_SYMBOL "taskr_plugin_entry"

#if defined(_WIN32)
#define TASKR_PLUGIN_EXPORT __declspec(dllexport)
#else
#define TASKR_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* taskr_str is a borrowed UTF-8 string: pointer and length, no terminator needed. */
typedef struct taskr_str {
  const char* data;
  size_t size;
} taskr_str;

/* taskr_status is the result of a call. Values are never renumbered. */
typedef enum taskr_status {
  TASKR_OK = 0,
  TASKR_ERROR = 1,            /* failed; last_error() says why */
  TASKR_INVALID_ARGUMENT = 2, /* the parameters or a struct were not acceptable */
  TASKR_CANCELLED = 3,        /* stopped because the host asked (see taskr_host.cancelled) */
  TASKR_UNSUPPORTED = 4       /* the plugin or host does not offer this */
} taskr_status;

/* taskr_log_level orders log messages; the host may hide debug. */
typedef enum taskr_log_level {
  TASKR_LOG_DEBUG = 0,
  TASKR_LOG_INFO = 1,
  TASKR_LOG_WARNING = 2,
  TASKR_LOG_ERROR = 3
} taskr_log_level;

/* taskr_finding_level is a SARIF result level. */
typedef enum taskr_finding_level {
  TASKR_FINDING_NOTE = 0,
  TASKR_FINDING_WARNING = 1,
  TASKR_FINDING_ERROR = 2
} taskr_finding_level;

/* taskr_finding is one result for the SARIF report and the job summary
 * (a vulnerability, a misconfiguration, a failed check). Growable. */
typedef struct taskr_finding {
  size_t struct_size;  /* sizeof(taskr_finding) as the writer knew it */
  taskr_str rule_id;   /* stable id, e.g. "CVE-2024-1234" or "AVD-KSV-0001" */
  taskr_str rule_name; /* short title of the rule; may be empty */
  taskr_finding_level level;
  taskr_str message;        /* what was found, one paragraph */
  taskr_str file;           /* workspace-relative path; empty when none */
  uint32_t line;            /* 1-based; 0 when unknown */
  uint32_t column;          /* 1-based; 0 when unknown */
  double security_severity; /* CVSS-like 0.0-10.0; negative when not a security finding */
  taskr_str help;           /* how to fix it (markdown); may be empty */
  taskr_str help_uri;       /* a link for more; may be empty */
} taskr_finding;

/* taskr_process_spec describes a child process for taskr_host.run_process.
 * There is no shell: argv[0] is a path or a name looked up in PATH. Growable. */
typedef struct taskr_process_spec {
  size_t struct_size;
  const taskr_str* argv; /* argc entries, borrowed for the call */
  size_t argc;
  const taskr_str* env; /* envc "NAME=value" entries added to the task's environment */
  size_t envc;
  taskr_str cwd;     /* workspace-relative or absolute; empty: the workspace */
  bool capture_only; /* true: output goes only to on_output, not to the task log */
} taskr_process_spec;

/* taskr_process_result is how a child ended. Growable. */
typedef struct taskr_process_result {
  size_t struct_size;
  int exit_code; /* -1 when killed by a signal */
  int signal;    /* 0 when it exited */
} taskr_process_result;

/* taskr_output_fn receives a child's output (stdout and stderr merged, secrets
 * masked) as it arrives; `user` is the pointer given to run_process. */
typedef void (*taskr_output_fn)(void* user, taskr_str chunk);

/* taskr_host is what taskr offers a running action. Every function takes the
 * table's `ctx` first. Growable: check struct_size before using a field
 * added after 1.0 (none yet). */
typedef struct taskr_host {
  size_t struct_size;
  void* ctx;

  /* log writes one message to the task log. */
  void (*log)(void* ctx, taskr_log_level level, taskr_str message);
  /* set_output publishes a task output, read by ${{ needs.<task>.outputs.<key> }}. */
  taskr_status (*set_output)(void* ctx, taskr_str key, taskr_str value);
  /* report_finding adds a finding to the run's SARIF and summary. */
  taskr_status (*report_finding)(void* ctx, const taskr_finding* finding);
  /* add_artifact records a file the action produced, with its digest
   * ("sha256:<hex>"; empty lets the host compute it). */
  taskr_status (*add_artifact)(void* ctx, taskr_str path, taskr_str digest);
  /* append_summary adds markdown to the job summary. */
  taskr_status (*append_summary)(void* ctx, taskr_str markdown);
  /* cancelled tells whether the action should stop as soon as it can. */
  bool (*cancelled)(void* ctx);
  /* run_process runs a child to completion, streaming its output to the task
   * log (and to on_output when not NULL). It returns TASKR_CANCELLED when the
   * task was cancelled meanwhile (the child is then stopped), TASKR_ERROR when
   * the child could not start; a child that exits non-zero is TASKR_OK with
   * the code in `result`. */
  taskr_status (*run_process)(void* ctx, const taskr_process_spec* spec, taskr_output_fn on_output,
                              void* user, taskr_process_result* result);
  /* workspace is the absolute path of the folder holding pipeline.toml. */
  taskr_str (*workspace)(void* ctx);
  /* env returns the task's environment variable `name`; found is set to
   * whether it exists. */
  taskr_str (*env)(void* ctx, taskr_str name, bool* found);
  /* secret returns the value of a secret declared in [secrets]; found is set
   * to whether it exists. Never log it: the host masks it, but only in what
   * passes through taskr. */
  taskr_str (*secret)(void* ctx, taskr_str name, bool* found);
} taskr_host;

/* taskr_action_call is one run of one action. Growable. */
typedef struct taskr_action_call {
  size_t struct_size;
  taskr_str action;      /* the action's name from the manifest */
  taskr_str params_json; /* the task's `with`, rendered, checked against the action's
                          * schema and with defaults applied: a JSON object */
  const taskr_host* host;
} taskr_action_call;

/* Capability bits a plugin declares in taskr_plugin.capabilities. The host
 * refuses a plugin that declares a capability whose function is NULL. */
#define TASKR_CAP_TOOL_IDENTITY 0x1u /* tool_identity is implemented */

/* taskr_plugin is the table taskr_plugin_entry returns. The plugin owns it;
 * it must stay valid while the library is loaded. */
typedef struct taskr_plugin {
  uint32_t abi_major;    /* TASKR_ABI_MAJOR the plugin was built with; first, never moves */
  uint32_t abi_minor;    /* TASKR_ABI_MINOR the plugin was built with */
  size_t struct_size;    /* sizeof(taskr_plugin) as the plugin knew it */
  uint32_t capabilities; /* TASKR_CAP_* bits */

  /* manifest describes the plugin as JSON:
   *   {"name": "checksum", "version": "1.0.0", "description": "...",
   *    "default_action": "sha256",
   *    "actions": {"sha256": {"description": "...", "pure": true,
   *                           "params": {JSON Schema of `with`},
   *                           "outputs": {"name": "description", ...}}}}
   * It is returned without an instance and lives while the library is loaded. */
  taskr_str (*manifest)(void);

  /* create makes an instance, or returns NULL when it cannot. */
  void* (*create)(void);
  /* destroy frees an instance and everything it returned. */
  void (*destroy)(void* instance);
  /* run performs call->action. */
  taskr_status (*run)(void* instance, const taskr_action_call* call);
  /* last_error describes the last failed call on `instance`. */
  taskr_str (*last_error)(void* instance);
  /* tool_identity (TASKR_CAP_TOOL_IDENTITY) returns text that identifies the
   * tools an action would use (versions, database digests) for the cache key.
   * The call's host offers only log, workspace, env and run_process. */
  taskr_status (*tool_identity)(void* instance, const taskr_action_call* call, taskr_str* identity);
} taskr_plugin;

/* taskr_plugin_entry_fn is the type of the exported entry symbol. */
typedef const taskr_plugin* (*taskr_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TASKR_PLUGIN_API_H_ */
