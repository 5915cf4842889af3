#pragma once
// One comparison of exact prefix attention with NTK-Attention: what `compare`, every sweep point
// and the window compute. Inputs come from a seeded workload or from arrays.

#include "core/kernels/attention_map.h"
#include "core/kernels/cost_model.h"
#include "core/kernels/errors.h"
#include "core/kernels/ntk_attention.h"
#include "core/kernels/prefix_attention.h"
#include "core/params/parameters.h"
#include "core/util/progress.h"

#include <Eigen/Core>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ntk::core {

inline constexpr double timing_budget_seconds = 0.02;
inline constexpr int max_timing_runs = 5;

/// What the window keeps between comparisons of one seeded workload: the folds of the prefix
/// pass (PrefixFoldCache), so that a change of m draws and reduces only the rows it adds. The
/// rows themselves are not kept: drawing one costs a few percent of reducing it, while holding
/// them cost copies and page faults as m grew. One comparison at a time.
struct LiveCache {
  explicit LiveCache(std::size_t budget_bytes) : folds(budget_bytes) {}
  PrefixFoldCache folds;
  std::size_t bytes() const { return folds.bytes(); }
};

struct ComparisonOptions {
  Progress progress;                                         ///< units: percent of the whole comparison
  double memory_budget_bytes = default_memory_budget_bytes;  ///< refuse larger sizes up front
  Eigen::Index map_columns = 0;                              ///< > 0: also the attention maps, prefix binned to this
  Eigen::Index map_rows = 0;                                 ///< > 0: their queries and input keys binned to this
  int timing_runs = max_timing_runs;                         ///< steps under timing_budget_seconds run up to this often
  /// The window's cache (seeded workloads only): exact attention, the compression and the maps'
  /// prefix parts then run as one pass reusing what the cache holds, timed together
  /// (Comparison::pass); no medians.
  LiveCache* cache = nullptr;
  /// In float32, also compute the comparison in float64 and report the difference (float64_gap).
  bool float64_gap = false;
};

/// How far a float32 comparison's outputs are from the same comparison in float64.
struct PrecisionGap {
  double exact_max_abs = 0;  ///< max |T_exact(float32) - T_exact(float64)|
  double ntk_max_abs = 0;    ///< max |T_ntk(float32) - T_ntk(float64)|
};

/// The one pass of a cached comparison (ComparisonOptions::cache).
struct PassReport {
  double seconds = 0;            ///< exact attention's prefix part, the compression and the maps' together
  Eigen::Index rows_read = 0;    ///< prefix rows reduced by this pass
  Eigen::Index reused_rows = 0;  ///< rows whose folds came from the cache
  std::size_t cache_bytes = 0;   ///< the cache's size after the pass
};

struct Comparison {
  Parameters params;
  Eigen::Index r = 0;
  Eigen::MatrixXd omega;  ///< the FAVOR+ directions used (r x d), drawn or given; else empty
  ExactResult exact;
  NtkParams compressed;              ///< closed-form Z and k
  std::optional<LowRankZ> low_rank;  ///< when params.rank > 0
  NtkResult approx;
  ErrorMetrics errors;
  std::optional<TaylorBound> bound;      ///< Taylor map only
  std::optional<double> limit_distance;  ///< max-abs distance of exact output to the m -> inf limit
  CostEstimate cost;
  std::optional<AttentionMap> exact_map, ntk_map;  ///< when ComparisonOptions::map_columns > 0
  /// Wall-clock medians over exact_runs, compress_runs, approx_runs runs of each step on
  /// `threads` OpenMP threads: steps under timing_budget_seconds are repeated up to
  /// ComparisonOptions::timing_runs times.
  double exact_seconds = 0, compress_seconds = 0, approx_seconds = 0;
  int exact_runs = 0, compress_runs = 0, approx_runs = 0, threads = 1;
  std::optional<PassReport> pass;           ///< set when it used a LiveCache or shared a pass (compare_query_heads)
  std::optional<PrecisionGap> float64_gap;  ///< float32 with ComparisonOptions::float64_gap
  Status status = Status::ok;               ///< the first non-ok status of the three steps
  /// Empty, or why NTK-Attention has degenerated although its status is ok: its prefix term
  /// vanished (below degenerate_prefix_share of exact attention's prefix mass), so it returns
  /// attention over the input alone (Taylor and ELU+1 at large entry scales, FAVOR+ features
  /// that underflow to 0).
  std::string degeneracy;
};

/// NTK-Attention has degenerated when its mean prefix share is below this fraction of exact
/// attention's (and exact attention puts at least 1% of its mass on the prefix).
inline constexpr double degenerate_prefix_share = 1e-3;

/// One sentence for a comparison whose status is not ok: what failed, in how many rows, and
/// what to change. Empty when the status is ok.
std::string diagnosis(const Comparison& c);

/// What the one head `p` describes trains (one layer, one head, d_model = d, p's m and rank of Z),
/// with NTK-Attention under each of `maps`: metrics.json counts counted_feature_maps, the Cost
/// tab p's own map.
ParameterCounts head_parameter_counts(const Parameters& p, const std::vector<FeatureMapSpec>& maps);

/// Runs both methods on given arrays (Q, K, V: L x d; the prefix). `omega`, when not empty,
/// gives the FAVOR+ directions. Throws std::invalid_argument for bad shapes or parameters.
Comparison compare_methods(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                           const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                           const Parameters& params, const ComparisonOptions& options);

/// The query heads that read one prefix (under grouped-query attention, those of one key/value
/// head: `queries[h]` is head h's n x d), compared in one pass over the prefix: each head's exact
/// attention and the compression into Z and k, made once (they depend on the prefix alone), are
/// consumers of the same pass (reduce_prefix), parallel over its segments, so the prefix is read
/// once for all the heads. Each result has the bits of compare_methods(queries[h], K, V, prefix,
/// params, options) but for the timings: exact attention and the compression are not timed apart
/// (exact_seconds and compress_seconds 0); `pass` gives the shared pass's time and rows. Makes no
/// maps and uses no cache (std::invalid_argument when `options` asks for them).
std::vector<Comparison> compare_query_heads(const std::vector<Eigen::MatrixXd>& queries,
                                            const Eigen::Ref<const Eigen::MatrixXd>& K,
                                            const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                                            const Parameters& params, const ComparisonOptions& options);

/// Draws the seeded workload of `params` (the prefix on the fly) and compares; also measures
/// the distance of exact attention to the infinite-prefix limit.
Comparison compare_methods(const Parameters& params, const ComparisonOptions& options);

}  // namespace ntk::core
