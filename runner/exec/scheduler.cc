#include "runner/exec/scheduler.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <sstream>

#include "runner/base/digest.h"
#include "runner/cache/task_cache.h"
#include "runner/exec/cache_step.h"
#include "runner/exec/concurrency_groups.h"
#include "runner/exec/plugin_task.h"
#include "runner/exec/task_files.h"
#include "runner/model/json.h"
#include "runner/os/event_loop.h"
#include "runner/os/subprocess.h"
#include "runner/plugins/worker.h"

extern char** environ;

namespace taskr {

namespace {

constexpr size_t kTailBytes = 16 * 1024;
constexpr auto kTickInterval = std::chrono::milliseconds(100);
constexpr auto kMaxRetryDelay = std::chrono::minutes(5);
constexpr size_t kMaxMessageBytes = 16 << 20;
constexpr size_t kMaxFindings = 100'000;

// Names taskr sets for every task; inherited values from an outer taskr are dropped.
constexpr std::string_view kReservedEnv[] = {"TASKR_OUTPUT", "TASKR_SUMMARY", "TASKR_TASK",
                                             "TASKR_WORKSPACE", "TASKR_RUN_DIR"};

std::string_view EnvName(std::string_view entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

struct Scheduler::Impl {
  // Per-node run state; indexed by NodeId like results.
  struct NodeRun {
    uint32_t pending_needs = 0;
    bool selected = false;
    bool failed_upstream = false;  // something it needs, directly or not, failed
    std::unique_ptr<Subprocess> proc;
    std::unique_ptr<SpawnSpec> spawn;  // prepared once, reused by retries
    TimerId timeout_timer = 0, kill_timer = 0, retry_timer = 0;
    int log_fd = -1;
    bool stop_requested = false;  // killed because the run is being cancelled
    bool timed_out = false;
    PluginCall plugin;           // for `uses` tasks; plugin.plugin is "" for `run` tasks
    std::string messages;        // an unfinished line from the worker's fd 3
    std::string plugin_error;    // the worker's last error message
    bool plugin_done = false;    // the worker said the action succeeded
    ValueObject plugin_outputs;  // set by the action, published when the worker ends
    std::vector<std::pair<std::string, std::string>> command_facts;  // for the cache key
    std::vector<std::pair<std::string, std::string>> env_facts;
    std::unique_ptr<CacheLookup> cache_miss;  // set while a cacheable task runs
    Clock::time_point attempt_start{};
    std::unique_ptr<SecretMasker::Stream> out_mask;  // the output of the running attempt
  };

  Impl(const Pipeline& p, const Graph& g, const Selection& s, const Contexts& c, RunOptions o,
       Reporter& r)
      : pipeline(p),
        graph(g),
        selection(s),
        contexts(c),
        options(std::move(o)),
        reporter(r),
        workspace(pipeline.root.string()),
        files(options.run_dir, pipeline.root, contexts),
        plugin_tasks(options.plugins, contexts, workspace),
        groups(loop, options.lock_dir, contexts, GroupHandlers()) {}

  const Pipeline& pipeline;
  const Graph& graph;
  const Selection& selection;
  const Contexts& contexts;
  RunOptions options;
  Reporter& reporter;

  std::string workspace;
  TaskFiles files;
  PluginTasks plugin_tasks;
  EventLoop loop;
  ConcurrencyGroups groups;
  std::vector<TaskResult> results;
  std::vector<NodeRun> runs;
  std::deque<NodeId> ready;
  std::vector<int> free_slots;
  std::vector<std::string> base_env;
  int running = 0;    // children alive
  int in_flight = 0;  // started but not finished: running, waiting for a lock or a retry
  size_t remaining = 0;
  bool cancelling = false;
  bool pump_scheduled = false;
  bool interrupted = false;
  int interrupts = 0;
  std::string cancel_reason;
  TimerId tick_timer = 0;
  Clock::time_point run_start;
  std::chrono::system_clock::time_point run_started_at;  // run_start on the wall clock
  std::vector<pid_t> leftover_groups;  // groups whose output stayed open after exit
  std::vector<std::pair<std::string, std::string>> pipeline_env_facts;  // [env], for cache keys

  // ---- setup ----

  Status Prepare() {
    results.assign(graph.nodes().size(), TaskResult{});
    runs.resize(graph.nodes().size());
    for (NodeId id : selection.order) runs[id].selected = true;
    for (NodeId id : selection.order) {
      for (const auto& edge : graph.node(id).needs) {
        if (runs[edge.node].selected) ++runs[id].pending_needs;
      }
      if (runs[id].pending_needs == 0) ready.push_back(id);
    }
    remaining = selection.order.size();
    for (int i = options.jobs - 1; i >= 0; --i) free_slots.push_back(i);

    if (Status s = files.CreateFolders(); !s.ok()) return s;
    return BuildBaseEnv();
  }

  ConcurrencyGroups::Handlers GroupHandlers() {
    ConcurrencyGroups::Handlers h;
    h.granted = [this](NodeId id) { Launch(id); };
    h.failed = [this](NodeId id, std::string error) {
      Finished(id, TaskState::kFailed, std::move(error));
    };
    h.cancelled = [this](NodeId id) {
      Finished(id, TaskState::kCancelled, fmt::format("not started: {}", cancel_reason));
    };
    h.blocked = [this](NodeId id, const std::string& group) {
      reporter.Notice(contexts.Mask(
          fmt::format("{}: waiting for concurrency group '{}', held by another taskr process",
                      graph.node(id).id, group)));
    };
    return h;
  }

  // BuildBaseEnv: taskr's environment, then the pipeline's [env], then the
  // variables taskr sets for every task.
  Status BuildBaseEnv() {
    RootScope scope(contexts);
    std::vector<std::string> pipeline_env;
    for (const auto& e : pipeline.env) {
      Result<std::string> value = e.value.Render(scope);
      if (!value.ok())
        return Status::Error(fmt::format("[env] {}: {}", e.name, value.status().message()));
      pipeline_env.push_back(e.name + "=" + *value);
      pipeline_env_facts.emplace_back(e.name, contexts.MaskForKey(*value));
    }
    for (char** e = environ; *e; ++e) {
      std::string_view name = EnvName(*e);
      bool overridden = std::any_of(pipeline_env.begin(), pipeline_env.end(),
                                    [&](const std::string& p) { return EnvName(p) == name; }) ||
                        std::find(std::begin(kReservedEnv), std::end(kReservedEnv), name) !=
                            std::end(kReservedEnv);
      if (!overridden) base_env.emplace_back(*e);
    }
    base_env.insert(base_env.end(), pipeline_env.begin(), pipeline_env.end());
    base_env.push_back("TASKR_WORKSPACE=" + workspace);
    base_env.push_back("TASKR_RUN_DIR=" + std::filesystem::absolute(options.run_dir).string());
    return Status();
  }

  // ---- the main loop ----

  int Run() {
    run_start = Clock::now();
    run_started_at = std::chrono::system_clock::now();
    if (Status s = Prepare(); !s.ok()) {
      reporter.Notice(s.message());
      return 2;
    }
    RunInfo info;
    info.pipeline = &pipeline;
    info.graph = &graph;
    info.selection = &selection;
    info.contexts = &contexts;
    info.jobs = options.jobs;
    info.run_dir = options.run_dir.string();
    info.start = run_start;
    info.started_at = run_started_at;
    reporter.RunStarted(info);
    loop.OnSignals({SIGINT, SIGTERM, SIGHUP}, [this](int signal) { OnSignal(signal); });
    if (options.ticks) ScheduleTick();
    loop.Post([this] { Pump(); });
    loop.Run();
    CleanUpLeftovers();
    if (options.cache) {
      std::vector<std::string> warnings;
      options.cache->Finish(&warnings);
      for (const auto& w : warnings) reporter.Notice(w);
    }

    RunTotals totals;
    totals.wall = Clock::now() - run_start;
    totals.interrupted = interrupted;
    bool failed = false;
    for (NodeId id : selection.order) {
      const TaskResult& r = results[id];
      switch (r.state) {
        case TaskState::kSucceeded:
          ++totals.succeeded;
          break;
        case TaskState::kFailed:
          if (r.allowed_failure) {
            ++totals.allowed_failures;
          } else {
            ++totals.failed;
            failed = true;
          }
          break;
        case TaskState::kSkipped:
          ++totals.skipped;
          break;
        default:
          ++totals.cancelled;
          break;
      }
    }
    totals.exit_code = interrupted ? 130 : failed ? 1 : 0;
    reporter.RunFinished(totals, results);
    return totals.exit_code;
  }

  // Pump starts ready tasks while job slots are free, and ends the loop once
  // nothing is left to do.
  void Pump() {
    while (!ready.empty() && running < options.jobs) {
      NodeId id = ready.front();
      ready.pop_front();
      Start(id);
    }
    if (remaining == 0 && in_flight == 0) Finish();
  }

  void Finish() {
    if (tick_timer) loop.CancelTimer(tick_timer);
    tick_timer = 0;
    loop.StopSignals();
  }

  void ScheduleTick() {
    tick_timer = loop.After(kTickInterval, [this] {
      reporter.Tick();
      ScheduleTick();
    });
  }

  // ---- deciding ----

  NeedsStatus StatusOfNeeds(NodeId id) const {
    NeedsStatus st;
    st.cancelled = cancelling;
    for (const auto& edge : graph.node(id).needs) {
      const TaskResult& r = results[edge.node];
      if (!r.Succeeded()) st.all_succeeded = false;
      if ((r.state == TaskState::kFailed && !r.allowed_failure) ||
          runs[edge.node].failed_upstream) {
        st.any_failed = true;
      }
    }
    return st;
  }

  // NeedsValue builds the `needs` context: needs.<task>.outputs and .result.
  // A need linked to several instances reports the worst result among them.
  Value NeedsValue(NodeId id) const {
    const TaskNode& node = graph.node(id);
    if (node.needs.empty()) return Value(ValueObject{});
    auto rank = [](const TaskResult& r) {
      if (r.Succeeded()) return 0;
      if (r.state == TaskState::kSkipped) return 1;
      if (r.state == TaskState::kCancelled) return 2;
      return 3;
    };
    static constexpr const char* kResultNames[] = {"success", "skipped", "cancelled", "failure"};
    std::vector<int> worst(node.spec->needs.size(), 0);
    std::vector<ValueObject> outputs(node.spec->needs.size());
    for (const auto& edge : node.needs) {
      const TaskResult& r = results[edge.node];
      worst[edge.need_index] = std::max(worst[edge.need_index], rank(r));
      for (const auto& [k, v] : r.outputs) outputs[edge.need_index].insert_or_assign(k, v);
    }
    ValueObject needs;
    for (size_t i = 0; i < worst.size(); ++i) {
      ValueObject entry;
      entry.emplace("outputs", Value(std::move(outputs[i])));
      entry.emplace("result", Value(kResultNames[worst[i]]));
      needs.insert_or_assign(node.spec->needs[i].task, Value(std::move(entry)));
    }
    return Value(std::move(needs));
  }

  std::string UnsuccessfulNeeds(NodeId id) const {
    std::vector<std::string> names;
    for (const auto& edge : graph.node(id).needs) {
      const TaskResult& r = results[edge.node];
      if (!r.Succeeded())
        names.push_back(fmt::format("{} {}", graph.node(edge.node).id, StateName(r.state)));
    }
    return fmt::format("{}", fmt::join(names, ", "));
  }

  // Start decides whether a ready task runs, then launches it.
  void Start(NodeId id) {
    const TaskNode& node = graph.node(id);
    const TaskSpec& spec = *node.spec;
    NeedsStatus status = StatusOfNeeds(id);
    bool explicit_status = spec.condition && spec.condition->UsesStatusFunction();

    if (interrupts > 1) {
      return Conclude(id, TaskState::kCancelled, "not started: the run was interrupted");
    }
    if (cancelling && !explicit_status) {
      return Conclude(id, TaskState::kCancelled, fmt::format("not started: {}", cancel_reason));
    }
    if (!explicit_status && !status.all_succeeded) {
      return Conclude(id, TaskState::kSkipped,
                      fmt::format("needs did not succeed: {}", UnsuccessfulNeeds(id)));
    }
    TaskScope scope(contexts, node, NeedsValue(id), status);
    if (spec.condition) {
      Result<Value> cond = spec.condition->Evaluate(scope);
      if (!cond.ok())
        return Conclude(id, TaskState::kFailed, fmt::format("if: {}", cond.status().message()));
      if (!cond->Truthy()) {
        return Conclude(id, TaskState::kSkipped,
                        fmt::format("if: {} was false", spec.condition->text()));
      }
    }
    Status prepared = PrepareSpawn(id, scope);
    if (!prepared.ok()) return Conclude(id, TaskState::kFailed, prepared.message());
    if (options.cache && TaskCache::Cacheable(node, runs[id].plugin.effect) &&
        LookUpCache(id, scope)) {
      return;  // restored from the cache, or its key could not be computed
    }

    ++in_flight;
    results[id].state = TaskState::kRunning;
    if (spec.concurrency) {
      Result<std::string> group = spec.concurrency->Render(scope);
      if (!group.ok())
        return Finished(id, TaskState::kFailed,
                        fmt::format("concurrency: {}", group.status().message()));
      return groups.Join(id, *group);
    }
    Launch(id);
  }

  // PrepareSpawn renders the script, env and working directory once per task.
  Status PrepareSpawn(NodeId id, const TaskScope& scope) {
    const TaskSpec& spec = *graph.node(id).spec;
    auto spawn = std::make_unique<SpawnSpec>();
    std::vector<std::string> extra;
    if (spec.run) {
      Result<std::string> script = spec.run->Render(scope);
      if (!script.ok()) return Status::Error(fmt::format("run: {}", script.status().message()));
      spawn->argv = spec.shell.empty() ? pipeline.shell : spec.shell;
      runs[id].command_facts = {{"shell", fmt::format("{}", fmt::join(spawn->argv, " "))},
                                {"command", contexts.MaskForKey(*script)}};
      spawn->argv.push_back(std::move(*script));
      if (!spec.sarif.empty()) {
        Result<std::string> sarif = RenderText(spec.sarif, scope);
        if (!sarif.ok()) return Status::Error(fmt::format("sarif: {}", sarif.status().message()));
        results[id].sarif_path = *sarif;
      }
    } else {
      Result<PluginCall> call = plugin_tasks.Prepare(spec, scope);
      if (!call.ok()) return call.status();
      spawn->argv = plugin_tasks.WorkerCommand("run");
      spawn->message_channel = true;
      extra.push_back(fmt::format("{}={}", kWorkerRequestEnv, call->request));
      runs[id].command_facts = call->key_facts;
      runs[id].plugin = std::move(*call);
    }

    for (const auto& e : spec.env) {
      Result<std::string> value = e.value.Render(scope);
      if (!value.ok())
        return Status::Error(fmt::format("env {}: {}", e.name, value.status().message()));
      extra.push_back(e.name + "=" + *value);
      runs[id].env_facts.emplace_back(e.name, contexts.MaskForKey(*value));
    }
    std::string out_dir = (options.run_dir / "out").string();
    extra.push_back(fmt::format("TASKR_OUTPUT={}/{}.out", out_dir, id));
    extra.push_back(fmt::format("TASKR_SUMMARY={}/{}.md", out_dir, id));
    extra.push_back("TASKR_TASK=" + graph.node(id).id);
    if (spec.env.empty()) {
      spawn->env.reserve(base_env.size() + extra.size());
      spawn->env = base_env;
    } else {
      for (const auto& b : base_env) {
        std::string_view name = EnvName(b);
        bool overridden = std::any_of(spec.env.begin(), spec.env.end(),
                                      [&](const EnvEntry& e) { return e.name == name; });
        if (!overridden) spawn->env.push_back(b);
      }
    }
    for (auto& e : extra) spawn->env.push_back(std::move(e));

    if (spec.cwd) {
      Result<std::string> cwd = spec.cwd->Render(scope);
      if (!cwd.ok()) return Status::Error(fmt::format("cwd: {}", cwd.status().message()));
      std::filesystem::path dir = *cwd;
      spawn->cwd =
          dir.is_absolute() ? dir.string() : (std::filesystem::path(workspace) / dir).string();
    } else {
      spawn->cwd = workspace;
    }
    runs[id].spawn = std::move(spawn);
    return Status();
  }

  // ---- worker messages ----

  // OnMessage splits the worker's fd 3 stream into JSON lines and applies each.
  void OnMessage(NodeId id, std::string_view chunk) {
    NodeRun& run = runs[id];
    run.messages.append(chunk);
    size_t start = 0;
    for (size_t nl; (nl = run.messages.find('\n', start)) != std::string::npos; start = nl + 1) {
      ApplyMessage(id, std::string_view(run.messages).substr(start, nl - start));
    }
    run.messages.erase(0, start);
    if (run.messages.size() > kMaxMessageBytes) {
      run.messages.clear();
      run.plugin_error = "sent a message larger than 16 MiB";
      Kill(id);
    }
  }

  void ApplyMessage(NodeId id, std::string_view line) {
    Result<Value> parsed = ParseJson(line);
    if (!parsed.ok() || !parsed->is_object()) return;
    const Value& m = *parsed;
    TaskResult& result = results[id];
    NodeRun& run = runs[id];
    std::string type = Field(m, "t");
    if (type == "log") {
      static const char* kPrefixes[] = {"debug: ", "", "warning: ", "error: "};
      const Value* level = m.Get("level");
      int l = level && level->is_number() ? static_cast<int>(level->as_number()) : 1;
      OnOutput(id, fmt::format("{}{}\n", kPrefixes[l >= 0 && l <= 3 ? l : 1], Field(m, "msg")));
    } else if (type == "output") {
      run.plugin_outputs.insert_or_assign(Field(m, "key"), Value(contexts.Mask(Field(m, "value"))));
    } else if (type == "finding") {
      AddFinding(id, m);
    } else if (type == "artifact") {
      ValueObject artifact{{"path", Value(contexts.Mask(Field(m, "path")))},
                           {"digest", Value(Field(m, "digest"))}};
      if (artifact["digest"].as_string().empty()) {
        std::filesystem::path p = artifact["path"].as_string();
        if (p.is_relative()) p = std::filesystem::path(workspace) / p;
        if (Result<std::string> d = Sha256File(p.string()); d.ok())
          artifact["digest"] = Value("sha256:" + *d);
      }
      result.artifacts.emplace_back(std::move(artifact));
      reporter.TaskArtifact(id, result.artifacts.back());
    } else if (type == "summary") {
      result.summary += contexts.Mask(Field(m, "md"));
    } else if (type == "error") {
      run.plugin_error = contexts.Mask(Field(m, "msg"));
    } else if (type == "done") {
      run.plugin_done = true;
    }
  }

  static std::string Field(const Value& m, std::string_view key) {
    const Value* v = m.Get(key);
    return v && v->is_string() ? v->as_string() : "";
  }

  // ---- cache ----

  // LookUpCache computes the task's key and applies a hit; it returns true
  // when the task is concluded (a hit, or a key that cannot be computed).
  bool LookUpCache(NodeId id, const TaskScope& scope) {
    const TaskNode& node = graph.node(id);
    NodeRun& run = runs[id];
    TaskKeyFacts facts;
    facts.sarif_path = results[id].sarif_path;
    facts.command = run.command_facts;
    if (run.spawn) {
      facts.command.emplace_back(
          "cwd", std::filesystem::path(run.spawn->cwd).lexically_relative(workspace).string());
    }
    if (run.plugin.tool_identity) {
      // The identity worker sees the task's own environment (its PATH finds the same tools).
      facts.tool_identity = [this, &run] {
        return plugin_tasks.ToolIdentity(
            run.plugin, run.spawn ? run.spawn->env
                                  : std::vector<std::string>{fmt::format("{}={}", kWorkerRequestEnv,
                                                                         run.plugin.request)});
      };
    }
    facts.env = pipeline_env_facts;
    facts.env.insert(facts.env.end(), run.env_facts.begin(), run.env_facts.end());
    for (const auto& edge : node.needs)
      facts.need_keys.emplace_back(graph.node(edge.node).id, NeedKey(results[edge.node]));

    Result<CacheLookup> found = LookUpTask(*options.cache, node, scope, std::move(facts),
                                           [this](std::string n) { reporter.Notice(n); });
    if (!found.ok()) {
      Conclude(id, TaskState::kFailed, found.status().message());
      return true;
    }
    TaskResult& result = results[id];
    result.cache_key = found->key;
    if (found->hit) {
      ApplyHit(id, *found->hit);
      return true;
    }
    result.cache = CacheUse::kMiss;
    result.cache_changes = std::move(found->changes);
    run.cache_miss = std::make_unique<CacheLookup>(std::move(*found));
    return false;
  }

  void ApplyHit(NodeId id, const CacheEntry& hit) {
    TaskResult& result = results[id];
    result.cache = CacheUse::kHit;
    result.outputs = hit.outputs;
    result.findings = hit.findings;
    result.artifacts = hit.artifacts;
    result.summary = hit.summary;
    for (const auto& [key, value] : result.outputs) reporter.TaskOutputSet(id, key, value);
    for (const auto& f : result.findings) reporter.TaskFinding(id, f);
    for (const auto& a : result.artifacts) reporter.TaskArtifact(id, a);
    if (!hit.log.empty()) {
      WriteLog(id, hit.log);  // replay the log into this run's folder
      close(runs[id].log_fd);
      runs[id].log_fd = -1;
    }
    result.start = result.end = Clock::now();
    runs[id].spawn.reset();
    Conclude(id, TaskState::kSucceeded, "");
  }

  // SaveToCache stores a successful run; "" when stored (or not storable for a
  // reason that must not fail the task), else why the task fails.
  std::string SaveToCache(NodeId id) {
    std::unique_ptr<CacheLookup> miss = std::move(runs[id].cache_miss);
    Status saved = StoreTask(*options.cache, *miss, results[id],
                             [this](std::string n) { reporter.Notice(n); });
    return saved.ok() ? "" : saved.message();
  }

  // ---- running ----

  void Launch(NodeId id) {
    NodeRun& run = runs[id];
    TaskResult& result = results[id];
    const TaskSpec& spec = *graph.node(id).spec;
    ++running;
    ++result.attempts;
    run.attempt_start = Clock::now();
    if (result.start == Clock::time_point{}) result.start = run.attempt_start;
    if (!free_slots.empty()) {
      result.slot = free_slots.back();
      free_slots.pop_back();
    }
    run.timed_out = false;
    run.plugin_done = false;
    run.plugin_error.clear();
    run.plugin_outputs.clear();
    run.messages.clear();
    result.log_tail.clear();
    result.outputs.clear();
    result.findings.clear();
    result.artifacts.clear();
    result.summary.clear();  // a failure report shows the last attempt
    run.out_mask = std::make_unique<SecretMasker::Stream>(contexts.Masker());
    std::error_code ignored;
    std::filesystem::remove(files.OutputPath(id), ignored);
    reporter.TaskStarted(id, result.attempts);
    if (result.attempts > 1)
      WriteLog(id, fmt::format("--- attempt {} of {} ---\n", result.attempts, spec.retries + 1));

    auto proc = Subprocess::Spawn(
        loop, *run.spawn, [this, id](std::string_view chunk) { OnOutput(id, chunk); },
        [this, id](ExitStatus status) { OnExit(id, status); },
        [this, id](std::string_view chunk) { OnMessage(id, chunk); });
    if (!proc.ok()) {
      --running;
      ReleaseSlot(id);
      return Finished(id, TaskState::kFailed, proc.status().message());
    }
    run.proc = std::move(*proc);
    if (spec.timeout.count() > 0) {
      run.timeout_timer = loop.After(spec.timeout, [this, id] {
        runs[id].timeout_timer = 0;
        runs[id].timed_out = true;
        Kill(id);
      });
    }
  }

  void OnOutput(NodeId id, std::string_view chunk) {
    NodeRun& run = runs[id];
    std::string masked = run.out_mask ? run.out_mask->Write(chunk) : contexts.Mask(chunk);
    if (!masked.empty()) EmitOutput(id, masked);
  }

  // FlushOutput passes on what the masking stream held back, once the attempt's output ended.
  void FlushOutput(NodeId id) {
    NodeRun& run = runs[id];
    if (!run.out_mask) return;
    std::string rest = run.out_mask->Flush();
    run.out_mask.reset();
    if (!rest.empty()) EmitOutput(id, rest);
  }

  void EmitOutput(NodeId id, const std::string& masked) {
    WriteLog(id, masked);
    std::string& tail = results[id].log_tail;
    tail += masked;
    if (tail.size() > 2 * kTailBytes) tail.erase(0, tail.size() - kTailBytes);
    reporter.TaskOutput(id, masked);
  }

  void WriteLog(NodeId id, std::string_view text) {
    NodeRun& run = runs[id];
    TaskResult& result = results[id];
    if (run.log_fd < 0) {
      if (result.log_path.empty()) {
        result.log_path = files.LogPath(graph.node(id).id);
      }
      run.log_fd = open(result.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (run.log_fd < 0) return;
    }
    while (!text.empty()) {
      ssize_t n = write(run.log_fd, text.data(), text.size());
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return;  // a full disk costs the log, not the run
      }
      text.remove_prefix(static_cast<size_t>(n));
    }
  }

  void Kill(NodeId id) {
    NodeRun& run = runs[id];
    if (!run.proc) return;
    run.proc->Signal(SIGTERM);
    if (run.kill_timer == 0) {
      run.kill_timer = loop.After(options.kill_grace, [this, id] {
        runs[id].kill_timer = 0;
        if (runs[id].proc) runs[id].proc->Signal(SIGKILL);
      });
    }
  }

  void OnExit(NodeId id, ExitStatus status) {
    NodeRun& run = runs[id];
    TaskResult& result = results[id];
    const TaskSpec& spec = *graph.node(id).spec;
    --running;
    result.end = Clock::now();
    result.exit_code = status.exit_code;
    result.signal = status.signal;
    result.timed_out = run.timed_out;
    if (run.timeout_timer) loop.CancelTimer(run.timeout_timer);
    if (run.kill_timer) loop.CancelTimer(run.kill_timer);
    run.timeout_timer = run.kill_timer = 0;
    result.spans.push_back({run.attempt_start, result.end, result.slot});
    ReleaseSlot(id);
    if (!run.proc) return;
    if (kill(-run.proc->pid(), 0) == 0) leftover_groups.push_back(run.proc->pid());
    run.proc.reset();
    FlushOutput(id);
    if (run.log_fd >= 0) {
      close(run.log_fd);
      run.log_fd = -1;
    }

    std::string failure;
    if (run.timed_out) {
      failure = fmt::format(
          "{}timed out after {}",
          run.plugin.plugin.empty() ? "" : fmt::format("plugin '{}' ", run.plugin.plugin),
          FormatDurationMs(spec.timeout));
    } else if (!run.plugin.plugin.empty()) {
      failure = PluginFailure(run.plugin.plugin, status, run.plugin_done, run.plugin_error);
    } else if (status.signal) {
      failure = fmt::format("killed by {}", SignalName(status.signal));
    } else if (status.exit_code != 0) {
      failure = fmt::format("exit code {}", status.exit_code);
    }
    // A task's outputs are what its last attempt set, whether or not it
    // succeeded, as a failed GitHub step's are: an allowed failure or an
    // `if: failure()` task downstream can read them.
    if (!run.plugin.plugin.empty()) {
      PublishPluginOutputs(id);
    } else if (Status s = ReadOutputs(id); !s.ok() && failure.empty()) {
      failure = s.message();
    }
    if (spec.run) {
      ReadSummary(id);
      if (Status s = ImportSarif(id); !s.ok() && failure.empty()) failure = s.message();
    }
    files.RemoveWritten(id);
    if (failure.empty() && run.cache_miss) failure = SaveToCache(id);
    groups.Leave(id);

    if (failure.empty()) {
      Finished(id, TaskState::kSucceeded, "");
    } else if (run.stop_requested) {
      Finished(id, TaskState::kCancelled, fmt::format("stopped: {}", cancel_reason));
    } else if (result.attempts <= spec.retries && !cancelling) {
      Retry(id, failure);
    } else {
      Finished(id, TaskState::kFailed, failure);
    }
    Pump();
  }

  // PublishPluginOutputs passes on what the action set, as ReadOutputs does
  // for a `run` task's $TASKR_OUTPUT.
  void PublishPluginOutputs(NodeId id) {
    ValueObject outputs = std::move(runs[id].plugin_outputs);
    runs[id].plugin_outputs.clear();
    for (const auto& [key, value] : outputs) reporter.TaskOutputSet(id, key, value);
    results[id].outputs = std::move(outputs);
  }

  Status ReadOutputs(NodeId id) {
    Result<ValueObject> outputs = files.ReadOutputs(id);
    if (!outputs.ok()) return outputs.status();
    for (const auto& [key, value] : *outputs) reporter.TaskOutputSet(id, key, value);
    results[id].outputs = std::move(*outputs);
    return Status();
  }

  // ReadSummary takes the markdown a `run` task appended to $TASKR_SUMMARY.
  void ReadSummary(NodeId id) {
    if (std::optional<std::string> summary = files.ReadSummary(id)) results[id].summary = *summary;
  }

  // ImportSarif reads the SARIF file a `run` task declared, so its results
  // join the findings. A missing file fails a task that otherwise succeeded.
  Status ImportSarif(NodeId id) {
    if (results[id].sarif_path.empty()) return Status();
    Result<std::vector<Value>> findings = files.ReadSarif(results[id].sarif_path);
    if (!findings.ok()) return findings.status();
    for (Value& f : *findings) AddFinding(id, std::move(f));
    return Status();
  }

  // AddFinding keeps a finding (masked) and tells the reporters.
  void AddFinding(NodeId id, Value finding) {
    TaskResult& result = results[id];
    if (result.findings.size() >= kMaxFindings) return;
    ValueObject f;
    for (const auto& [key, value] : finding.as_object()) {
      if (key == "t") continue;
      f.emplace(key, value.is_string() ? Value(contexts.Mask(value.as_string())) : value);
    }
    if (const PluginCall& call = runs[id].plugin; !call.plugin.empty()) {
      f.emplace("tool", Value(call.plugin));
      f.emplace("tool_version", Value(call.version));
    }
    result.findings.emplace_back(std::move(f));
    reporter.TaskFinding(id, result.findings.back());
  }

  void Retry(NodeId id, const std::string& failure) {
    const TaskSpec& spec = *graph.node(id).spec;
    TaskResult& result = results[id];
    auto delay = spec.retry_delay * (1 << std::min(result.attempts - 1, 16));
    delay = std::min<std::chrono::milliseconds>(delay, kMaxRetryDelay);
    result.reason = contexts.Mask(failure);
    reporter.TaskRetrying(id, result, delay);
    runs[id].retry_timer = loop.After(delay, [this, id] {
      runs[id].retry_timer = 0;
      if (cancelling) {
        Finished(id, TaskState::kCancelled, fmt::format("not retried: {}", cancel_reason));
        return;
      }
      if (graph.node(id).spec->concurrency) {
        groups.Join(id, *graph.node(id).spec->concurrency->Render(TaskScope(
                            contexts, graph.node(id), NeedsValue(id), StatusOfNeeds(id))));
      } else {
        Launch(id);
      }
    });
  }

  // ReleaseSlot gives the job slot back; results[id].slot keeps the last one used.
  void ReleaseSlot(NodeId id) {
    if (results[id].slot >= 0) free_slots.push_back(results[id].slot);
  }

  // Finished ends a task that was started (in_flight). It may run from a timer
  // or a posted callback, so it asks for a Pump to start what became ready.
  void Finished(NodeId id, TaskState state, std::string reason) {
    --in_flight;
    runs[id].spawn.reset();
    Conclude(id, state, std::move(reason));
    SchedulePump();
  }

  void SchedulePump() {
    if (pump_scheduled) return;
    pump_scheduled = true;
    loop.Post([this] {
      pump_scheduled = false;
      Pump();
    });
  }

  // Conclude records a final state and makes dependents ready.
  void Conclude(NodeId id, TaskState state, std::string reason) {
    TaskResult& result = results[id];
    const TaskSpec& spec = *graph.node(id).spec;
    result.state = state;
    result.reason = contexts.Mask(reason);
    if (result.end == Clock::time_point{}) result.end = Clock::now();
    if (state == TaskState::kFailed && spec.allow_failure) result.allowed_failure = true;
    if (state == TaskState::kSucceeded) result.log_tail.clear();
    --remaining;
    reporter.TaskFinished(id, result);

    bool failed = state == TaskState::kFailed && !result.allowed_failure;
    if (failed && !options.keep_going && !cancelling) {
      CancelRun(fmt::format("{} failed", graph.node(id).id));
    }
    bool upstream = failed || runs[id].failed_upstream;
    for (NodeId d : graph.node(id).dependents) {
      NodeRun& dep = runs[d];
      if (!dep.selected) continue;
      dep.failed_upstream |= upstream;
      if (--dep.pending_needs == 0) ready.push_back(d);
    }
  }

  // ---- cancellation ----

  void CancelRun(std::string reason) {
    cancelling = true;
    cancel_reason = std::move(reason);
    groups.Cancel();
    for (NodeId id : selection.order) {
      NodeRun& run = runs[id];
      if (run.proc) {
        run.stop_requested = true;
        Kill(id);
      }
    }
    // Waiters for a retry or a lock are concluded as cancelled when their timer fires.
    for (NodeId id : selection.order) {
      NodeRun& run = runs[id];
      if (run.retry_timer) {
        loop.CancelTimer(run.retry_timer);
        run.retry_timer = 0;
        Finished(id, TaskState::kCancelled, fmt::format("not retried: {}", cancel_reason));
      } else if (groups.StopPolling(id)) {
        groups.Leave(id);
        Finished(id, TaskState::kCancelled, fmt::format("not started: {}", cancel_reason));
      }
    }
    loop.Post([this] { Pump(); });
  }

  void OnSignal(int signal) {
    ++interrupts;
    if (interrupts == 1) {
      interrupted = true;
      reporter.Notice(fmt::format("{}: stopping {} running task{} (again to kill them now)",
                                  SignalName(signal), running, running == 1 ? "" : "s"));
      CancelRun(fmt::format("interrupted by {}", SignalName(signal)));
      return;
    }
    reporter.Notice(fmt::format("{} again: killing every task now", SignalName(signal)));
    for (NodeId id : selection.order) {
      if (!runs[id].proc) continue;
      runs[id].stop_requested = true;
      runs[id].proc->Signal(SIGKILL);
    }
  }

  // CleanUpLeftovers stops background processes that tasks left behind, so no
  // orphan outlives the run.
  void CleanUpLeftovers() {
    bool any = false;
    for (pid_t pgid : leftover_groups) {
      if (kill(-pgid, SIGTERM) == 0) any = true;
    }
    if (!any) return;
    usleep(100 * 1000);
    for (pid_t pgid : leftover_groups) kill(-pgid, SIGKILL);
  }

  static std::string FormatDurationMs(std::chrono::milliseconds d) {
    auto ms = d.count();
    if (ms % 60000 == 0) return fmt::format("{}m", ms / 60000);
    if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
    return fmt::format("{}ms", ms);
  }
};

Scheduler::Scheduler(const Pipeline& pipeline, const Graph& graph, const Selection& selection,
                     const Contexts& contexts, RunOptions options, Reporter& reporter)
    : impl_(std::make_unique<Impl>(pipeline, graph, selection, contexts, std::move(options),
                                   reporter)) {}
Scheduler::~Scheduler() = default;

int Scheduler::Run() { return impl_->Run(); }
const std::vector<TaskResult>& Scheduler::results() const { return impl_->results; }

}  // namespace taskr
