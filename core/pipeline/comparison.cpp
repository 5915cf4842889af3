#include "core/pipeline/comparison.h"

#include "core/kernels/infinite_limit.h"
#include "core/util/parallel.h"

#include <chrono>
#include <cmath>

namespace ntk::core {
namespace {

constexpr double keep_prefix_numbers = double(1 << 23);  // 64 MB of doubles

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Maps a step's own progress onto [from, to) percent of the whole comparison.
Progress sub_progress(const Progress& whole, int from, int to) {
  if (!whole) return {};
  return [&whole, from, to](std::int64_t done, std::int64_t total) {
    const double frac = total > 0 ? double(done) / double(total) : 1.0;
    return whole(from + std::int64_t(frac * (to - from)), 100);
  };
}

}  // namespace

Comparison compare_methods(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                           const Eigen::Ref<const Eigen::MatrixXd>& K,
                           const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                           const Parameters& params, const ComparisonOptions& options) {
  validate(params);
  check_shapes(Q, K, V, prefix.dim());
  Comparison c;
  c.params = params;
  c.r = feature_dimension(params.feature, Q.cols());
  const CostSizes sizes{Q.rows(), Q.cols(), prefix.rows(), c.r, params.rank, 1024, thread_count()};
  check_memory_budget(sizes, options.memory_budget_bytes);
  c.cost = estimate_cost(sizes);
  const FeatureMap phi(params.feature, Q.cols());

  auto start = std::chrono::steady_clock::now();
  c.exact = prefix_attention(Q, K, V, prefix,
                             {params.causal, 512, sub_progress(options.progress, 0, 50)});
  c.exact_seconds = seconds_since(start);
  if (c.exact.status != Status::ok) return c.status = c.exact.status, c;

  start = std::chrono::steady_clock::now();
  c.compressed = compress_prefix(prefix, phi, 0, sub_progress(options.progress, 50, 99));
  if (params.rank > 0) c.low_rank = truncate_rank(c.compressed.Z, params.rank);
  c.compress_seconds = seconds_since(start);
  if (c.compressed.status != Status::ok) return c.status = c.compressed.status, c;

  start = std::chrono::steady_clock::now();
  c.approx = c.low_rank ? ntk_attention(Q, K, V, phi, *c.low_rank, c.compressed.k, params.causal)
                        : ntk_attention(Q, K, V, phi, c.compressed, params.causal);
  c.approx_seconds = seconds_since(start);
  c.status = c.approx.status;
  c.errors = compare(c.exact.T, c.approx.T);
  if (params.feature.kind == FeatureKind::taylor)
    c.bound = taylor_bound(c.exact.max_abs_prefix_score,
                           std::max(c.compressed.max_abs_value, V.cwiseAbs().maxCoeff()),
                           params.feature.degree);
  if (options.map_columns > 0) {
    c.exact_map = exact_attention_map(Q, K, prefix, params.causal, c.exact.log_normalizer,
                                      options.map_columns);
    c.ntk_map = ntk_attention_map(Q, K, prefix, phi, params.causal, c.approx.denominator,
                                  options.map_columns);
  }
  if (options.progress) options.progress(100, 100);
  return c;
}

Comparison compare_methods(const Parameters& params, const ComparisonOptions& options) {
  validate(params);
  const InputPart in = generate_inputs(params.workload);
  const GeneratedPrefix generated(params.workload, in);
  // Exact attention, compression and the maps each pass over the prefix; drawing it costs more
  // than those passes, so a prefix of up to 64 MB is drawn once and kept. Larger ones stream.
  Eigen::MatrixXd KP, VP;
  const bool keep = 2.0 * double(params.workload.m) * double(params.workload.d) <= keep_prefix_numbers;
  if (keep && !materialize(generated, KP, VP, sub_progress(options.progress, 0, 1))) {
    Comparison cancelled;
    cancelled.params = params;
    cancelled.status = Status::cancelled;
    return cancelled;
  }
  const MatrixPrefix kept(KP, VP);
  const PrefixSource& prefix = keep ? static_cast<const PrefixSource&>(kept) : generated;
  Comparison c = compare_methods(in.Q, in.K, in.V, prefix, params, options);
  if (c.exact.status == Status::ok)
    c.limit_distance =
        (c.exact.T - infinite_prefix_limit(params.workload, in)).cwiseAbs().maxCoeff();
  return c;
}

}  // namespace ntk::core
