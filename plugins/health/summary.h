// The job summary section of a health check: how it ended, and a table of
// its attempts.
//
//   ctx.AppendSummary(SummaryMarkdown("**health.http** `GET https://api.example.com/healthz`",
//                                     verdict));
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "attempts.h"

namespace taskr::health {

/// kSummaryAttempts is how many attempts the table lists: the first few and
/// the last ones, with a row that counts those left out between them.
inline constexpr size_t kSummaryAttempts = 20;

/// SummaryMarkdown renders the section; `heading` is markdown naming the check.
std::string SummaryMarkdown(std::string_view heading, const Verdict& verdict);

}  // namespace taskr::health
