#include "runner/report/trace.h"

#include "runner/report/json_text.h"

#include <fmt/core.h>

#include <algorithm>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "runner/exec/contexts.h"
#include "runner/report/run_report.h"

namespace taskr {

namespace {

using Json = nlohmann::ordered_json;

constexpr int kPid = 1;

// Bar is one attempt, or one cache hit, on the timeline.
struct Bar {
  int64_t ts = 0, dur = 0;  // microseconds since the run started
  int lane = 0;             // the tid: slot + 1, the cache-hit lane, or 0 for none yet
  NodeId node = 0;
  std::string status;
  Json args;
};

int64_t Micros(const RunInfo& info, Clock::time_point t) {
  return std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(t - info.start).count());
}

int CacheLane(const RunInfo& info) { return info.jobs + 1; }

Bar MakeBar(const RunInfo& info, NodeId node, Clock::time_point start, Clock::time_point end,
            int lane, std::string status) {
  Bar bar;
  bar.ts = Micros(info, start);
  // Both ends are truncated the same way, so a bar that starts when another
  // ended in the same slot never starts before it on the timeline.
  bar.dur = std::max<int64_t>(0, Micros(info, end) - bar.ts);
  bar.lane = lane;
  bar.node = node;
  bar.status = std::move(status);
  return bar;
}

Json Args(const std::string& status, Json attempt, Json exit_code, CacheUse cache) {
  Json args;
  args["status"] = status;
  args["attempt"] = std::move(attempt);
  args["exit_code"] = std::move(exit_code);
  args["cache"] = CacheUseName(cache);
  return args;
}

// Bars lists what took place: each attempt in the lane of its slot, each cache
// hit in the lane after the slots; ordered by start.
std::vector<Bar> Bars(const RunInfo& info, const std::vector<TaskResult>& results) {
  std::vector<Bar> bars;
  for (NodeId id : info.selection->order) {
    const TaskResult& r = results[id];
    if (r.cache == CacheUse::kHit && r.start != Clock::time_point{}) {
      Bar& bar =
          bars.emplace_back(MakeBar(info, id, r.start, r.end, CacheLane(info), StateName(r.state)));
      bar.args = Args(bar.status, nullptr, nullptr, r.cache);
    }
    for (size_t i = 0; i < r.spans.size(); ++i) {
      const Span& span = r.spans[i];
      bool last = i + 1 == r.spans.size();
      int lane = span.slot >= 0 && span.slot < info.jobs ? span.slot + 1 : 0;
      // An attempt that another followed failed; only the last one's exit code is kept.
      Bar& bar = bars.emplace_back(
          MakeBar(info, id, span.start, span.end, lane, last ? StateName(r.state) : "failed"));
      Json exit_code = last && r.exit_code >= 0 ? Json(r.exit_code) : Json(nullptr);
      bar.args = Args(bar.status, static_cast<int>(i) + 1, std::move(exit_code), r.cache);
    }
  }
  std::stable_sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) {
    return a.ts != b.ts ? a.ts < b.ts : a.lane < b.lane;
  });
  return bars;
}

// PlaceBars moves a bar whose lane is still busy when it starts (or that has
// no lane) to an extra lane from `first_extra` on: viewers draw bars that
// overlap in one lane as nested calls, which attempts are not.
void PlaceBars(std::vector<Bar>& bars, int first_extra) {
  std::map<int, int64_t> busy_until;
  auto free_at = [&](int lane, int64_t ts) {
    auto it = busy_until.find(lane);
    return it == busy_until.end() || ts >= it->second;
  };
  for (Bar& bar : bars) {
    if (bar.lane == 0 || !free_at(bar.lane, bar.ts)) {
      bar.lane = first_extra;
      while (!free_at(bar.lane, bar.ts)) ++bar.lane;
    }
    busy_until[bar.lane] = bar.ts + bar.dur;
  }
}

std::string LaneName(const RunInfo& info, int lane) {
  if (lane <= info.jobs) return fmt::format("slot {}", lane);
  if (lane == CacheLane(info)) return "cache hits";
  return fmt::format("extra lane {}", lane - CacheLane(info));
}

// Event starts an event with the five fields every viewer expects.
Json Event(std::string name, const char* ph, int64_t ts, int64_t dur, int tid) {
  Json event;
  event["name"] = std::move(name);
  event["ph"] = ph;
  event["ts"] = ts;
  event["dur"] = dur;
  event["pid"] = kPid;
  event["tid"] = tid;
  return event;
}

Json Metadata(const char* name, int tid, std::string value) {
  Json event = Event(name, "M", 0, 0, tid);
  event["args"]["name"] = std::move(value);
  return event;
}

Json Complete(const RunInfo& info, Bar& bar) {
  Json event = Event(info.graph->node(bar.node).id, "X", bar.ts, bar.dur, bar.lane);
  event["cat"] = bar.status;
  event["args"] = std::move(bar.args);
  return event;
}

Json OtherData(const RunInfo& info, const RunTotals& totals) {
  Json other;
  other["taskr"] = TASKR_VERSION;
  other["run"] = RunId(info);
  other["description"] = info.selection->description;
  other["jobs"] = std::to_string(info.jobs);
  other["status"] = RunStatus(totals);
  other["exit_code"] = std::to_string(totals.exit_code);
  return other;
}

}  // namespace

std::string BuildTrace(const RunInfo& info, const RunTotals& totals,
                       const std::vector<TaskResult>& results) {
  std::vector<Bar> bars = Bars(info, results);
  PlaceBars(bars, CacheLane(info) + 1);
  std::set<int> lanes;
  for (const Bar& bar : bars) lanes.insert(bar.lane);

  const std::string& description = info.selection->description;
  Json events = Json::array();
  events.push_back(
      Metadata("process_name", 0, description.empty() ? "taskr" : "taskr " + description));
  for (int lane : lanes) events.push_back(Metadata("thread_name", lane, LaneName(info, lane)));
  for (Bar& bar : bars) events.push_back(Complete(info, bar));

  Json trace;
  trace["traceEvents"] = std::move(events);
  trace["displayTimeUnit"] = "ms";
  trace["otherData"] = OtherData(info, totals);
  return JsonText(std::move(trace), info.contexts, 1);
}

}  // namespace taskr
