#include "summary.h"

#include <taskr/markdown.hpp>

#include "duration.h"

namespace taskr::health {

namespace {

// kFirstAttempts of the kSummaryAttempts rows go to the first attempts, the
// rest to the last ones.
constexpr size_t kFirstAttempts = 5;

std::string Row(const Attempt& a) {
  return "| " + std::to_string(a.number) + " | " + FormatSeconds(a.at) + " | " +
         (a.healthy ? "✅ " : "❌ ") + sdk::MarkdownCell(AttemptText(a)) + " |\n";
}

}  // namespace

std::string SummaryMarkdown(std::string_view heading, const Verdict& verdict) {
  std::string md = std::string(heading) + ": " +
                   (verdict.healthy ? "✅ healthy " : "❌ not healthy ") + verdict.ended +
                   "\n\n| attempt | started | result |\n|---:|---:|---|\n";
  const std::vector<Attempt>& all = verdict.attempts;
  size_t n = all.size();
  for (size_t i = 0; i < n; ++i) {
    bool listed =
        n <= kSummaryAttempts || i < kFirstAttempts || i >= n - (kSummaryAttempts - kFirstAttempts);
    if (listed) {
      md += Row(all[i]);
    } else if (i == kFirstAttempts) {
      size_t skipped = n - kSummaryAttempts;
      md += "| … | | " + std::to_string(skipped) + " more attempts, in the task log |\n";
    }
  }
  return md;
}

}  // namespace taskr::health
