#include "summary.h"

#include <taskr/markdown.hpp>
#include <vector>

namespace taskr::trivy {

namespace {

std::string Text(std::string_view text) { return sdk::MarkdownCell(text); }
std::string Code(std::string_view text) { return sdk::MarkdownCode(text); }

// RuleLink is the rule id, linked to its page when the link is plain enough
// for markdown.
std::string RuleLink(const sdk::Finding& f) {
  const std::string& uri = f.help_uri;
  bool plain = uri.starts_with("https://") && uri.find_first_of(" ()|<>\n") == std::string::npos;
  return plain ? "[" + Text(f.rule_id) + "](" + uri + ")" : Text(f.rule_id);
}

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace

std::string SummaryMarkdown(std::string_view heading, const Report& report,
                            const SeverityCounts& counts, std::string_view report_path) {
  std::string md = std::string(heading) + ": ";
  if (counts.total == 0) return md + "no findings. Report: " + Code(report_path) + "\n";
  md += Plural(counts.total, "finding", "findings") + "\n\n| severity | findings |\n|---|---:|\n";
  for (Severity s : kSeverities) {
    md += "| " + std::string(SeverityName(s)) + " | " + std::to_string(counts.of(s)) + " |\n";
  }
  std::vector<const Issue*> top = MostSevere(report.issues, kSummaryFindings);
  md += "\n| severity | id | where | installed | fixed | title |\n|---|---|---|---|---|---|\n";
  for (const Issue* i : top) {
    md += "| " + std::string(SeverityName(i->severity)) + " | " + RuleLink(i->finding) + " | " +
          Code(i->where) + " | " + Code(i->installed) + " | " + Code(i->fixed) + " | " +
          Text(i->title) + " |\n";
  }
  md += "\n";
  if (counts.total > top.size()) {
    md += "The " + std::to_string(top.size()) + " most severe of " +
          Plural(counts.total, "finding", "findings") + " are listed. ";
  }
  return md + "Report: " + Code(report_path) + "\n";
}

}  // namespace taskr::trivy
