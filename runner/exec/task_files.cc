#include "runner/exec/task_files.h"

#include <fmt/core.h>

#include "runner/base/read_file.h"
#include "runner/exec/contexts.h"
#include "runner/exec/output_file.h"
#include "runner/exec/sarif_import.h"

namespace taskr {
namespace {

std::string FileSafe(std::string_view id) {
  std::string out(id);
  for (char& c : out) {
    if (c == '/' || c == '\0') c = '_';
  }
  return out;
}

}  // namespace

Status TaskFiles::CreateFolders() const {
  std::error_code ec;
  std::filesystem::create_directories(run_dir_ / "logs", ec);
  std::filesystem::create_directories(run_dir_ / "out", ec);
  if (ec)
    return Status::Error(fmt::format("cannot create {}: {}", run_dir_.string(), ec.message()));
  return Status();
}

std::string TaskFiles::LogPath(std::string_view task_id) const {
  return (run_dir_ / "logs" / (FileSafe(task_id) + ".log")).string();
}

std::filesystem::path TaskFiles::OutputPath(NodeId id) const {
  return run_dir_ / "out" / fmt::format("{}.out", id);
}

std::filesystem::path TaskFiles::SummaryPath(NodeId id) const {
  return run_dir_ / "out" / fmt::format("{}.md", id);
}

Result<ValueObject> TaskFiles::ReadOutputs(NodeId id) const {
  bool exists = false;
  std::string text = ReadFile(OutputPath(id), &exists);
  if (!exists) return ValueObject{};
  Result<ValueObject> outputs = ParseOutputFile(text);
  if (!outputs.ok()) return outputs.status();
  for (auto& [key, value] : *outputs) {
    if (value.is_string()) value = Value(contexts_.Mask(value.as_string()));
  }
  return outputs;
}

std::optional<std::string> TaskFiles::ReadSummary(NodeId id) const {
  bool exists = false;
  std::string text = ReadFile(SummaryPath(id), &exists);
  if (!exists) return std::nullopt;
  return contexts_.Mask(text);
}

Result<std::vector<Value>> TaskFiles::ReadSarif(const std::string& sarif_path) const {
  bool exists = false;
  std::string text = ReadFile((workspace_ / sarif_path).string(), &exists);
  if (!exists) return Status::Error(fmt::format("sarif: {} was not written", sarif_path));
  Result<std::vector<Value>> findings = FindingsFromSarif(contexts_.Mask(text));
  if (!findings.ok()) {
    return Status::Error(fmt::format("sarif: {}: {}", sarif_path, findings.status().message()));
  }
  return findings;
}

void TaskFiles::RemoveWritten(NodeId id) const {
  std::error_code ignored;
  std::filesystem::remove(OutputPath(id), ignored);
  std::filesystem::remove(SummaryPath(id), ignored);
}

}  // namespace taskr
