#include "core/pipeline/comparison.h"

#include "core/kernels/infinite_limit.h"
#include "core/util/parallel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace ntk::core {
namespace {

constexpr double keep_prefix_numbers = double(1 << 23);  // 64 MB of doubles

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs step(first) and, while the runs so far took under timing_budget_seconds, again up to
// `max_runs` times; returns the median time. One run of a step that takes microseconds
// mostly measures how long a sleeping OpenMP team takes to wake (about 8 ms on a loaded
// machine); the repeats find the team awake. Every run computes the same result.
template <class Step>
double median_seconds(Step&& step, int max_runs, int& runs) {
  std::vector<double> times;
  const auto begin = std::chrono::steady_clock::now();
  do {
    const auto start = std::chrono::steady_clock::now();
    if (!step(times.empty())) break;
    times.push_back(seconds_since(start));
  } while (int(times.size()) < max_runs && seconds_since(begin) < timing_budget_seconds);
  runs = int(times.size());
  if (times.empty()) return 0;
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// Maps a step's own progress onto [from, to) percent of the whole comparison.
Progress sub_progress(const Progress& whole, int from, int to) {
  if (!whole) return {};
  return [&whole, from, to](std::int64_t done, std::int64_t total) {
    const double frac = total > 0 ? double(done) / double(total) : 1.0;
    return whole(from + std::int64_t(frac * (to - from)), 100);
  };
}

// Exact attention gives the prefix a share of every row; NTK-Attention's phi(Q) k must too.
std::string degeneracy(const Comparison& c) {
  if (c.status != Status::ok || c.exact.prefix_mass.size() == 0) return {};
  const double exact_share = c.exact.prefix_mass.mean();
  const double ntk_share = c.approx.prefix_share.mean();
  if (exact_share < 0.01 || ntk_share >= degenerate_prefix_share * exact_share) return {};
  char text[320];
  std::snprintf(text, sizeof text,
                "NTK-Attention's prefix term vanished (mean prefix share %.2g against exact attention's %.2g)%s: "
                "it returns attention over the input alone; lower the entry scale",
                ntk_share, exact_share,
                c.compressed.k.cwiseAbs().maxCoeff() == 0 ? ", its features underflowed to 0" : "");
  return text;
}

// Returned from its own function, so the caller returns one object (GCC 12 warns falsely,
// -Wmaybe-uninitialized, when a function moves out either of two Comparisons).
Comparison cancelled(const Parameters& params) {
  Comparison c;
  c.params = params;
  c.status = Status::cancelled;
  return c;
}

}  // namespace

std::string diagnosis(const Comparison& c) {
  const FeatureMapSpec& f = c.params.feature;
  const bool odd_taylor = f.kind == FeatureKind::taylor && f.degree % 2 == 1;
  char text[400];
  switch (c.status) {
    case Status::ok: return {};
    case Status::non_positive_denominator:
      std::snprintf(text, sizeof text, "NTK-Attention's denominator D_ii <= 0 in %lld rows%s",
                    static_cast<long long>(c.approx.bad_rows),
                    odd_taylor ? ": the odd-degree Taylor polynomial went negative; use an even degree or a smaller --scale"
                               : "");
      return text;
    case Status::ill_conditioned_denominator:
      std::snprintf(text, sizeof text,
                    "NTK-Attention's denominator cancels in %lld rows (D_ii down to %.2g of the magnitude of its terms, "
                    "below %.0e): those outputs mean nothing%s",
                    static_cast<long long>(c.approx.ill_conditioned_rows), c.approx.min_denominator_ratio,
                    denominator_cancellation_limit,
                    odd_taylor ? "; use an even degree or a smaller --scale" : "");
      return text;
    case Status::not_finite: return "NTK-Attention's output is not finite: the features or scores overflow float64";
    case Status::cancelled: return "cancelled";
    case Status::not_converged: return "not converged";
  }
  return to_string(c.status);
}

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
  if (params.feature.kind == FeatureKind::favor) c.omega = phi.omega();

  c.exact_seconds = median_seconds(
      [&](bool first) {
        c.exact = prefix_attention(Q, K, V, prefix,
                                   {params.causal, 512, first ? sub_progress(options.progress, 0, 50) : Progress{}});
        return c.exact.status == Status::ok;
      },
      options.timing_runs, c.exact_runs);
  if (c.exact.status != Status::ok) return c.status = c.exact.status, c;
  if (!c.exact.T.allFinite())
    throw std::invalid_argument(
        "exact attention overflows float64 on these inputs (the largest |<q, k_P>| / sqrt(d) is " +
        std::to_string(c.exact.max_abs_prefix_score) + "): the entries are too large; scale them down");

  c.compress_seconds = median_seconds(
      [&](bool first) {
        c.compressed = compress_prefix(prefix, phi, 0, first ? sub_progress(options.progress, 50, 99) : Progress{});
        if (params.rank > 0) c.low_rank = truncate_rank(c.compressed.Z, params.rank);
        return c.compressed.status == Status::ok;
      },
      options.timing_runs, c.compress_runs);
  if (c.compressed.status != Status::ok) return c.status = c.compressed.status, c;

  c.approx_seconds = median_seconds(
      [&](bool) {
        c.approx = c.low_rank ? ntk_attention(Q, K, V, phi, *c.low_rank, c.compressed.k, params.causal)
                              : ntk_attention(Q, K, V, phi, c.compressed, params.causal);
        return true;
      },
      options.timing_runs, c.approx_runs);
  c.threads = thread_count();
  c.status = c.approx.status;
  c.errors = compare(c.exact.T, c.approx.T);
  c.degeneracy = degeneracy(c);
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
  if (keep && !materialize(generated, KP, VP, sub_progress(options.progress, 0, 1))) return cancelled(params);
  const MatrixPrefix kept(KP, VP);
  const PrefixSource& prefix = keep ? static_cast<const PrefixSource&>(kept) : generated;
  Comparison c = compare_methods(in.Q, in.K, in.V, prefix, params, options);
  if (c.exact.status == Status::ok)
    c.limit_distance =
        (c.exact.T - infinite_prefix_limit(params.workload, in)).cwiseAbs().maxCoeff();
  return c;
}

}  // namespace ntk::core
