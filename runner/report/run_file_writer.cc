#include "runner/report/run_file_writer.h"

#include <fmt/core.h>

#include <exception>

#include "runner/base/write_file.h"

namespace taskr {

void RunFileWriter::RunFinished(const RunTotals& totals, const std::vector<TaskResult>& results) {
  std::vector<std::string> warnings;
  std::string text;
  try {
    text = render_(info_, totals, results, &warnings);
  } catch (const std::exception& e) {
    for (const auto& path : paths_)
      fmt::print(stderr, "taskr: warning: cannot write {}: {}\n", path.string(), e.what());
    return;
  }
  for (const auto& w : warnings) fmt::print(stderr, "taskr: warning: {}\n", w);
  for (const auto& path : paths_) {
    if (Status s = WriteFile(path, text); !s.ok())
      fmt::print(stderr, "taskr: warning: {}\n", s.message());
  }
}

}  // namespace taskr
