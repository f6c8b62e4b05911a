// DescribePlan renders `taskr run --dry-run`: the order the tasks would run
// in, as waves that may run in parallel when everything succeeds, each task
// with its command, and the tasks whose `if` keeps them from running.
#pragma once

#include <string>

#include "runner/exec/contexts.h"
#include "runner/graph/graph.h"

namespace taskr {

/// DescribePlan evaluates conditions as if every task succeeds; it runs nothing.
std::string DescribePlan(const Graph& graph, const Selection& selection, const Contexts& contexts,
                         int jobs);

}  // namespace taskr
