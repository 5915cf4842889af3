#include "core/sweep/sweep_run.h"

#include "core/io/result_files.h"
#include "core/pipeline/budget.h"

#include <stdexcept>

namespace ntk::core {

double check_sweep_budget(const std::vector<SweepPoint>& points, long long shard, long long shards,
                          double memory_budget_bytes) {
  double gflop = 0;
  for (const SweepPoint& p : points) {
    if (!in_shard(p.index, shard, shards)) continue;
    try {
      check_memory_budget(comparison_sizes(p.params), memory_budget_bytes);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("sweep point " + std::to_string(p.index) + ": " + e.what());
    }
    gflop += comparison_gflop(p.params);
  }
  return gflop;
}

SweepRunReport run_sweep(const std::vector<SweepPoint>& points, const std::string& fingerprint,
                         const SweepRunOptions& options) {
  SweepRunReport report;
  const auto total = static_cast<long long>(points.size());
  for (const SweepPoint& p : points) {
    if (!in_shard(p.index, options.shard, options.shards)) continue;
    ++report.expected;
    if (report.stopped || options.done.count(p.index)) continue;
    if (options.starting && !options.starting(p)) {
      report.stopped = true;
      continue;
    }
    const Comparison c = compare_methods(p.params, options.comparison);
    if (c.status == Status::cancelled) {
      report.stopped = true;
      continue;
    }
    report.failures += c.status != Status::ok;
    if (options.finished) options.finished(p, sweep_row(p.index, total, fingerprint, c));
    ++report.computed;
  }
  return report;
}

}  // namespace ntk::core
