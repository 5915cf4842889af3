#include "core/pipeline/budget.h"

#include "core/util/parallel.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace ntk::core {

int most_threads() { return 4 * int(std::max(1u, std::thread::hardware_concurrency())); }

CostSizes comparison_sizes(const Parameters& p) {
  const WorkloadSpec& w = p.workload;
  return {w.L, w.d, w.m, feature_dimension(p), p.rank, 1024, thread_count(), query_count(w), value_width(w)};
}

double comparison_gflop(const Parameters& p) {
  const CostEstimate c = estimate_cost(comparison_sizes(p));
  return (c.exact.flops + c.compress.flops + c.ntk.flops) / 1e9;
}

void check_work_budget(double gflop, double budget_gflop, const std::string& what) {
  if (gflop <= budget_gflop) return;
  char text[160];
  std::snprintf(text, sizeof text, " is about %.3g GFLOP of arithmetic, over the work budget of %.0f GFLOP", gflop,
                budget_gflop);
  throw std::invalid_argument(what + text +
                              "; make it smaller (or split a sweep with --shard), or raise --work-budget");
}

}  // namespace ntk::core
