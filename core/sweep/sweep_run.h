#pragma once
// The one sweep loop that `ntk-explorer sweep` and the Python module's sweep() both run: the
// points of one shard, checked against the budgets before any work, then compared in order.

#include "core/pipeline/comparison.h"
#include "core/sweep/sweep_plan.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace ntk::core {

/// Whether point `index` belongs to shard K of N (K from 1): index % N == K - 1.
inline bool in_shard(long long index, long long shard, long long shards) { return index % shards == shard - 1; }

/// Checks every point of the shard against the memory budget before any work (throws
/// std::invalid_argument naming the point) and returns the shard's arithmetic in GFLOP.
double check_sweep_budget(const std::vector<SweepPoint>& points, long long shard, long long shards,
                          double memory_budget_bytes);

struct SweepRunOptions {
  long long shard = 1, shards = 1;
  std::set<long long> done;      ///< indices whose rows exist already (--resume): skipped
  ComparisonOptions comparison;  ///< per point; its progress can cancel the running point
  /// Told before each point is computed; false stops the sweep there (an interrupt).
  std::function<bool(const SweepPoint&)> starting;
  /// Given each finished point's CSV row (sweep_row), in order; may throw to stop the sweep.
  std::function<void(const SweepPoint&, const std::vector<std::string>&)> finished;
};

struct SweepRunReport {
  long long expected = 0;  ///< points in the shard
  long long computed = 0;  ///< rows this run made
  long long failures = 0;  ///< of those, points whose status is not ok
  bool stopped = false;    ///< cancelled or interrupted before the shard was whole
};

/// Compares every point of the shard that options.done lacks, in order.
SweepRunReport run_sweep(const std::vector<SweepPoint>& points, const std::string& fingerprint,
                         const SweepRunOptions& options);

}  // namespace ntk::core
