/* cplugin: a taskr plugin in plain C99, written against the frozen copy of the
 * ABI 1.0 header (tests/abi/v1_0) and nothing else: no SDK, no C++. It fills
 * in the plugin table by hand, as any language with a C FFI would, and stands
 * for every plugin already built against 1.0; the current taskr must keep
 * loading and running it.
 *
 * Action `stamp` (the default): logs, sets output `stamp` to "v1.0" (the ABI
 * version of the header it was built with), runs `echo from-c` through the
 * host and checks what came back, reports a finding and appends a summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <taskr/plugin_api.h>

#define STR_(x) #x
#define STR(x) STR_(x)
#define ABI_VERSION "v" STR(TASKR_ABI_MAJOR) "." STR(TASKR_ABI_MINOR)

static const char kManifest[] =
    "{\"name\": \"cplugin\", \"version\": \"1.0.0\","
    " \"description\": \"A plugin in plain C99 against the frozen ABI 1.0 header\","
    " \"default_action\": \"stamp\","
    " \"actions\": {\"stamp\": {\"description\": \"Stamp the ABI version and run a child\","
    " \"pure\": false,"
    " \"params\": {\"type\": \"object\", \"additionalProperties\": false},"
    " \"outputs\": {\"stamp\": \"the ABI version the plugin was built with\"}}}}";

typedef struct instance {
  char last_error[256];
  char captured[256]; /* the start of the child's output */
  size_t captured_size;
} instance;

static taskr_str Str(const char* s) {
  taskr_str out;
  out.data = s;
  out.size = strlen(s);
  return out;
}

static taskr_status Fail(instance* self, taskr_status status, const char* message) {
  snprintf(self->last_error, sizeof self->last_error, "%s", message);
  return status;
}

static void OnOutput(void* user, taskr_str chunk) {
  instance* self = (instance*)user;
  size_t room = sizeof self->captured - 1 - self->captured_size;
  size_t n = chunk.size < room ? chunk.size : room;
  if (n > 0) {
    memcpy(self->captured + self->captured_size, chunk.data, n);
    self->captured_size += n;
    self->captured[self->captured_size] = '\0';
  }
}

static taskr_str Manifest(void) {
  taskr_str s;
  s.data = kManifest;
  s.size = sizeof kManifest - 1;
  return s;
}

static void* Create(void) { return calloc(1, sizeof(instance)); }

static void Destroy(void* p) { free(p); }

static taskr_str LastError(void* p) { return Str(((instance*)p)->last_error); }

static taskr_status Run(void* p, const taskr_action_call* call) {
  instance* self = (instance*)p;
  const taskr_host* host;
  taskr_str argv[2];
  taskr_process_spec spec;
  taskr_process_result result;
  taskr_finding finding;
  taskr_status status;
  bool found = false;
  taskr_str ws;

  if (!call || call->struct_size < sizeof(taskr_action_call) || !call->host ||
      call->host->struct_size < sizeof(taskr_host)) {
    return Fail(self, TASKR_INVALID_ARGUMENT, "the host passed a call older than ABI 1.0");
  }
  host = call->host;
  if (call->action.size != 5 || memcmp(call->action.data, "stamp", 5) != 0) {
    return Fail(self, TASKR_INVALID_ARGUMENT, "cplugin has only the action 'stamp'");
  }

  host->log(host->ctx, TASKR_LOG_INFO, Str("cplugin: stamping " ABI_VERSION " from C"));
  ws = host->workspace(host->ctx);
  if (ws.size == 0 || ws.data[0] != '/') {
    return Fail(self, TASKR_ERROR, "host->workspace did not return an absolute path");
  }
  (void)host->env(host->ctx, Str("PATH"), &found);
  if (!found) return Fail(self, TASKR_ERROR, "host->env did not find PATH");
  if (host->cancelled(host->ctx)) return Fail(self, TASKR_CANCELLED, "cancelled");

  status = host->set_output(host->ctx, Str("stamp"), Str(ABI_VERSION));
  if (status != TASKR_OK) return Fail(self, TASKR_ERROR, "host->set_output failed");

  argv[0] = Str("echo");
  argv[1] = Str("from-c");
  memset(&spec, 0, sizeof spec);
  spec.struct_size = sizeof spec;
  spec.argv = argv;
  spec.argc = 2;
  memset(&result, 0, sizeof result);
  result.struct_size = sizeof result;
  status = host->run_process(host->ctx, &spec, OnOutput, self, &result);
  if (status != TASKR_OK) {
    char message[128];
    snprintf(message, sizeof message, "host->run_process(echo from-c) returned status %d",
             (int)status);
    return Fail(self, TASKR_ERROR, message);
  }
  if (result.exit_code != 0 || result.signal != 0 || strstr(self->captured, "from-c") == NULL) {
    snprintf(self->last_error, sizeof self->last_error,
             "echo from-c: exit %d, signal %d, output '%.100s'", result.exit_code, result.signal,
             self->captured);
    return TASKR_ERROR;
  }
  host->log(host->ctx, TASKR_LOG_INFO, Str("cplugin: the child said from-c"));

  memset(&finding, 0, sizeof finding);
  finding.struct_size = sizeof finding;
  finding.rule_id = Str("CPLUGIN-1");
  finding.rule_name = Str("stamped");
  finding.level = TASKR_FINDING_NOTE;
  finding.message = Str("stamped by a C plugin built against ABI " ABI_VERSION);
  finding.security_severity = -1;
  status = host->report_finding(host->ctx, &finding);
  if (status != TASKR_OK) return Fail(self, TASKR_ERROR, "host->report_finding failed");
  status = host->append_summary(host->ctx, Str("- cplugin stamped " ABI_VERSION "\n"));
  if (status != TASKR_OK) return Fail(self, TASKR_ERROR, "host->append_summary failed");
  return TASKR_OK;
}

static const taskr_plugin kTable = {
    TASKR_ABI_MAJOR,
    TASKR_ABI_MINOR,
    sizeof(taskr_plugin),
    0u, /* no capabilities: tool_identity is not implemented */
    Manifest,
    Create,
    Destroy,
    Run,
    LastError,
    NULL,
};

TASKR_PLUGIN_EXPORT const taskr_plugin* taskr_plugin_entry(void) { return &kTable; }
