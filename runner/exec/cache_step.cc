#include "runner/exec/cache_step.h"

#include <fmt/core.h>

#include "runner/base/digest.h"
#include "runner/base/read_file.h"
#include "runner/exec/contexts.h"
#include "runner/model/pipeline.h"

namespace taskr {

Result<CacheLookup> LookUpTask(TaskCache& cache, const TaskNode& node, const TaskScope& scope,
                               TaskKeyFacts facts, const std::function<void(std::string)>& notice) {
  auto request = std::make_unique<CacheRequest>();
  request->node = &node;
  for (auto [patterns, out] : {std::pair(&node.spec->inputs, &request->inputs),
                               std::pair(&node.spec->outputs, &request->outputs)}) {
    for (const std::string& pattern : *patterns) {
      Result<std::string> rendered = RenderText(pattern, scope);
      if (!rendered.ok()) {
        return Status::Error(fmt::format("inputs/outputs: {}", rendered.status().message()));
      }
      out->push_back(*rendered);
    }
  }
  // A declared SARIF file is an output: a hit restores it for the report.
  if (!facts.sarif_path.empty()) request->outputs.push_back(facts.sarif_path);
  request->command = std::move(facts.command);
  if (facts.tool_identity) {
    Result<std::string> tool = facts.tool_identity();
    if (!tool.ok()) return tool.status();
    request->command.emplace_back("tool", *tool);
  }
  request->env = std::move(facts.env);
  request->need_keys = std::move(facts.need_keys);

  Result<KeyRecord> record = cache.Record(*request);
  if (!record.ok()) return Status::Error(fmt::format("cache key: {}", record.status().message()));
  CacheLookup found;
  found.key = record->Key();
  std::vector<std::string> warnings;
  std::optional<CacheEntry> hit = cache.Lookup(found.key, &warnings);
  for (const auto& w : warnings) notice(fmt::format("{}: {}", node.id, w));
  if (hit) {
    Status restored = cache.Restore(*hit);
    if (restored.ok()) {
      cache.Remember(node, *record);
      found.hit = std::move(hit);
      return found;
    }
    notice(fmt::format("{}: cached outputs could not be restored ({}); running it", node.id,
                       restored.message()));
  }
  found.changes = cache.ExplainMiss(node, *record);
  cache.Remember(node, *record);
  found.request = std::move(request);
  found.record = std::make_unique<KeyRecord>(std::move(*record));
  return found;
}

Status StoreTask(TaskCache& cache, const CacheLookup& miss, const TaskResult& result,
                 const std::function<void(std::string)>& notice) {
  bool exists = false;
  std::string log = result.log_path.empty() ? "" : ReadFile(result.log_path, &exists);
  std::vector<std::string> warnings;
  Status saved = cache.Save(*miss.request, *miss.record, result, log, &warnings);
  for (const auto& w : warnings) notice(fmt::format("{}: {}", miss.request->node->id, w));
  return saved;
}

std::string NeedKey(const TaskResult& need) {
  if (!need.cache_key.empty()) return need.cache_key;
  return Sha256Hex(Value(need.outputs).ToJson(-1));
}

}  // namespace taskr
