#include "core/pipeline/comparison.h"

#include "core/kernels/infinite_limit.h"
#include "core/kernels/prefix_reduction.h"
#include "core/util/parallel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace ntk::core {
namespace {

constexpr double keep_prefix_bytes = double(64 << 20);

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

// Maps a step's own progress onto [from, to) percent of the whole comparison. A step timed again
// passes from == to: it reports nothing new but can still be cancelled.
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

// The cache keys of the prefix pass's consumers for a seeded workload: its rows depend on
// everything in it but m (planted keys sit where m puts them, so a planted match keeps m). The
// feature folds have no key when omega is given (it is not part of the key).
struct FoldKeys {
  std::optional<FoldKey> exact, compression, exact_map, feature_map;
};

FoldKeys fold_keys(const Parameters& p) {
  FoldKey rows;
  rows.rows = p.workload;
  if (p.workload.match == 0) rows.rows.m = 0;
  FoldKeys keys;
  keys.exact = keys.exact_map = rows;
  keys.exact->precision = p.precision;
  keys.exact_map->kind = FoldKind::exact_map;  // the maps are float64
  const FeatureMapSpec& f = p.feature;
  if (f.omega.size() == 0) {
    FoldKey features = rows;
    features.feature = f.kind;
    features.degree = f.degree;
    features.features = f.features;
    features.orthogonal = f.orthogonal;
    features.feature_seed = f.seed;
    keys.compression = keys.feature_map = features;
    keys.compression->kind = FoldKind::compression;
    keys.compression->precision = p.precision;
    keys.feature_map->kind = FoldKind::feature_map;
  }
  return keys;
}

Comparison compare_impl(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                        const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                        const Parameters& params, const ComparisonOptions& options, const FoldKeys* keys);

}  // namespace

ParameterCounts head_parameter_counts(const Parameters& p, const std::vector<FeatureMapSpec>& maps) {
  ModelShape shape;
  shape.d = p.workload.d;
  shape.dv = value_width(p.workload);
  return parameter_counts(shape, p.workload.m, maps, p.rank);
}

std::string diagnosis(const Comparison& c) {
  const FeatureMapSpec& f = c.params.feature;
  const bool odd_taylor = f.kind == FeatureKind::taylor && f.degree % 2 == 1;
  char text[400];
  switch (c.status) {
    case Status::ok:
      return {};
    case Status::non_positive_denominator:
      std::snprintf(text, sizeof text, "NTK-Attention's denominator D_ii <= 0 in %lld rows%s",
                    static_cast<long long>(c.approx.bad_rows),
                    odd_taylor
                        ? ": the odd-degree Taylor polynomial went negative; use an even degree or a smaller --scale"
                        : "");
      return text;
    case Status::ill_conditioned_denominator:
      std::snprintf(
          text, sizeof text,
          "NTK-Attention's denominator cancels in %lld rows (D_ii down to %.2g of the magnitude of its terms, "
          "below %.0e): those outputs mean nothing%s",
          static_cast<long long>(c.approx.ill_conditioned_rows), c.approx.min_denominator_ratio,
          denominator_cancellation_limit, odd_taylor ? "; use an even degree or a smaller --scale" : "");
      return text;
    case Status::not_finite:
      return "NTK-Attention's output is not finite: the features or scores overflow float64";
    case Status::cancelled:
      return "cancelled";
    case Status::not_converged:
      return "not converged";
  }
  return to_string(c.status);
}

namespace {

// The maps' working memory (attention_maps_bytes) against the budget.
void check_maps_memory(const CostSizes& sizes, const ComparisonOptions& options) {
  const Eigen::Index prefix_bins = std::min(sizes.m, options.map_columns);
  const Eigen::Index longer = std::max(sizes.n, sizes.L);  // of the queries and the input keys
  const double need =
      attention_maps_bytes(longer, sizes.r, prefix_bins, query_bin_count(longer, options.map_rows), sizes.threads);
  if (need <= options.memory_budget_bytes) return;
  char text[320];
  std::snprintf(text, sizeof text,
                "the attention maps at L = %lld would need about %.0f MB, over the memory budget of %.0f MB; "
                "lower L, bin the maps' queries (map rows) or raise --memory-budget",
                static_cast<long long>(longer), need / 1e6, options.memory_budget_bytes / 1e6);
  throw std::invalid_argument(text);
}

// Exact attention, the compression and (when `maps` is given) the maps' prefix parts as one pass
// that reuses and feeds the cache's folds; the maps' totals are left in `map_totals`.
bool cached_pass(Comparison& c, const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                 const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix, const FeatureMap& phi,
                 const ComparisonOptions& options, const FoldKeys& keys, const MapConsumers* maps,
                 std::vector<std::unique_ptr<PrefixPartial>>& map_totals) {
  const ExactPrefixConsumer exact(Q, V.cols(), keys.exact, c.params.precision);
  const CompressionConsumer compression(phi, V.cols(), keys.compression, c.params.precision);
  std::vector<const PrefixConsumer*> consumers{&exact, &compression};
  const auto start = std::chrono::steady_clock::now();
  if (maps) {
    maps->coarsen_cached_folds(options.cache->folds, prefix.rows() / prefix_segment_rows);
    for (const PrefixConsumer* m : maps->consumers()) consumers.push_back(m);
  }
  PrefixPass pass = reduce_prefix(prefix, consumers, sub_progress(options.progress, 0, 99), &options.cache->folds);
  if (pass.status == Status::cancelled) return false;
  c.exact = finish_exact(ExactPrefixConsumer::state(*pass.totals[0]), Q, K, V, c.params.causal);
  c.compressed = std::move(CompressionConsumer::state(*pass.totals[1]));
  for (std::size_t i = 2; i < pass.totals.size(); ++i) map_totals.push_back(std::move(pass.totals[i]));
  if (c.params.rank > 0) c.low_rank = truncate_rank(c.compressed.Z, c.params.rank);
  c.pass = PassReport{seconds_since(start), pass.rows_read, pass.reused_rows, 0};
  return true;
}

// Exact attention's output must be finite: past float64's range the comparison means nothing.
void require_finite(const Comparison& c) {
  if (!c.exact.T.allFinite())
    throw std::invalid_argument(
        "exact attention overflows float64 on these inputs (the largest |<q, k_P>| / sqrt(d) is " +
        std::to_string(c.exact.max_abs_prefix_score) + "): the entries are too large; scale them down");
}

// Exact attention and the compression, each in a pass of its own and timed (the median of
// options.timing_runs). False when cancelled or failed (c.status says which).
bool uncached_passes(Comparison& c, const Eigen::Ref<const Eigen::MatrixXd>& Q,
                     const Eigen::Ref<const Eigen::MatrixXd>& K, const Eigen::Ref<const Eigen::MatrixXd>& V,
                     const PrefixSource& prefix, const FeatureMap& phi, const ComparisonOptions& options) {
  const Parameters& params = c.params;
  c.exact_seconds = median_seconds(
      [&](bool first) {
        c.exact = prefix_attention(
            Q, K, V, prefix, {params.causal, sub_progress(options.progress, first ? 0 : 50, 50), params.precision});
        return c.exact.status == Status::ok;
      },
      options.timing_runs, c.exact_runs);
  if (c.exact.status != Status::ok) return c.status = c.exact.status, false;
  require_finite(c);
  c.compress_seconds = median_seconds(
      [&](bool first) {
        c.compressed =
            compress_prefix(prefix, phi, sub_progress(options.progress, first ? 50 : 99, 99), params.precision);
        if (params.rank > 0) c.low_rank = truncate_rank(c.compressed.Z, params.rank);
        return c.compressed.status == Status::ok;
      },
      options.timing_runs, c.compress_runs);
  if (c.compressed.status != Status::ok) return c.status = c.compressed.status, false;
  return true;
}

// NTK-Attention on the input part with Z and k (timed), then the errors against exact attention,
// the degeneracy diagnosis and, for the Taylor map, the bound.
void approximate_and_measure(Comparison& c, const Eigen::Ref<const Eigen::MatrixXd>& Q,
                             const Eigen::Ref<const Eigen::MatrixXd>& K, const Eigen::Ref<const Eigen::MatrixXd>& V,
                             const FeatureMap& phi, const ComparisonOptions& options) {
  const Parameters& params = c.params;
  c.approx_seconds = median_seconds(
      [&](bool) {
        c.approx = c.low_rank ? ntk_attention(Q, K, V, phi, *c.low_rank, c.compressed.k, params.causal)
                              : ntk_attention(Q, K, V, phi, c.compressed, params.causal, params.precision);
        return true;
      },
      options.timing_runs, c.approx_runs);
  c.threads = thread_count();
  c.status = c.approx.status;
  c.errors = compare(c.exact.T, c.approx.T);
  c.degeneracy = degeneracy(c);
  if (params.feature.kind == FeatureKind::taylor)
    c.bound = taylor_bound(c.exact.max_abs_prefix_score, std::max(c.compressed.max_abs_value, V.cwiseAbs().maxCoeff()),
                           params.feature.degree);
}

// The two attention maps from their prefix parts (`totals`, from the cached pass; when empty,
// both maps get a pass of their own, which the caller's progress can stop: false then).
bool finish_maps(Comparison& c, const MapConsumers& maps, std::vector<std::unique_ptr<PrefixPartial>>& totals,
                 const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                 const PrefixSource& prefix, const FeatureMap& phi, const ComparisonOptions& options) {
  if (totals.empty()) {
    const Progress still_wanted = [&](std::int64_t, std::int64_t) {
      return !options.progress || options.progress(99, 100);  // the percentage stays at 99
    };
    PrefixPass pass = reduce_prefix(prefix, maps.consumers(), still_wanted);
    if (pass.status == Status::cancelled) return false;
    totals = std::move(pass.totals);
  }
  AttentionMaps both = maps.finish(*totals[0], *totals[1], Q, K, phi, c.params.causal, c.exact.log_normalizer,
                                   c.approx.denominator, options.map_rows);
  c.exact_map = std::move(both.exact);
  c.ntk_map = std::move(both.ntk);
  return true;
}

// One comparison, as four steps read top to bottom: check and cost it; the prefix work (one
// cached pass feeding the window's folds, or a timed pass per method); NTK-Attention and the
// errors; the maps. (The float64 rerun of a float32 comparison is add_float64_gap's.)
// A comparison's first step, after validate(params): the shapes checked, its cost estimated and
// checked against the memory budget (before the feature map is made: r can be huge).
Comparison checked_comparison(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                              const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                              const Parameters& params, const ComparisonOptions& options) {
  check_shapes(Q, K, V, prefix.dim(), prefix.value_dim(), params.causal);
  Comparison c;
  c.params = params;
  c.r = feature_dimension(params.feature, Q.cols());
  const CostSizes sizes{K.rows(), Q.cols(), prefix.rows(), c.r, params.rank, 1024, thread_count(), Q.rows(), V.cols()};
  if (options.map_columns > 0) check_maps_memory(sizes, options);
  check_memory_budget(sizes, options.memory_budget_bytes);
  c.cost = estimate_cost(sizes);
  return c;
}

Comparison compare_impl(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                        const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                        const Parameters& params, const ComparisonOptions& options, const FoldKeys* keys) {
  validate(params);
  Comparison c = checked_comparison(Q, K, V, prefix, params, options);
  const FeatureMap phi(params.feature, Q.cols());
  if (params.feature.kind == FeatureKind::favor) c.omega = phi.omega();

  // Small problems take exact attention's dense path, uncached, as they do from scratch.
  const bool cached = keys && options.cache && exact_streams(Q.rows(), prefix.rows(), K.rows(), params.precision);
  // The maps' prefix parts share the cached pass (and its folds); otherwise they get their own.
  std::optional<MapConsumers> maps;
  if (options.map_columns > 0)
    maps.emplace(Q, phi, prefix.rows(), options.map_columns, keys ? keys->exact_map : std::nullopt,
                 keys ? keys->feature_map : std::nullopt);
  std::vector<std::unique_ptr<PrefixPartial>> map_totals;
  if (cached) {
    if (!cached_pass(c, Q, K, V, prefix, phi, options, *keys, maps ? &*maps : nullptr, map_totals))
      return cancelled(params);
    require_finite(c);
  } else if (!uncached_passes(c, Q, K, V, prefix, phi, options)) {
    return c;
  }
  approximate_and_measure(c, Q, K, V, phi, options);
  if (maps && !finish_maps(c, *maps, map_totals, Q, K, prefix, phi, options)) return cancelled(params);
  if (options.progress) options.progress(100, 100);
  return c;
}

// A float32 comparison asked for its gap: the float64 parameters and plain options (no maps,
// cache, progress or repeated timing) to compute the same again with.
struct Float64Rerun {
  Parameters params;
  ComparisonOptions options;
};

std::optional<Float64Rerun> float64_rerun(const Parameters& params, const ComparisonOptions& options) {
  if (!options.float64_gap || params.precision != Precision::float32) return std::nullopt;
  Float64Rerun again{params, {}};
  again.params.precision = Precision::float64;
  again.options.memory_budget_bytes = options.memory_budget_bytes;
  again.options.timing_runs = 1;
  return again;
}

PrecisionGap precision_gap(const Comparison& c, const Comparison& reference) {
  return {(c.exact.T - reference.exact.T).cwiseAbs().maxCoeff(),
          (c.approx.T - reference.approx.T).cwiseAbs().maxCoeff()};
}

// The gap of `c` when it asks for one: `again` computes the same in float64.
template <class Again>
void add_float64_gap(Comparison& c, const ComparisonOptions& options, const Again& again) {
  if (c.status == Status::cancelled) return;
  if (const std::optional<Float64Rerun> rerun = float64_rerun(c.params, options))
    c.float64_gap = precision_gap(c, again(rerun->params, rerun->options));
}

}  // namespace

Comparison compare_methods(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                           const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                           const Parameters& params, const ComparisonOptions& options) {
  Comparison c = compare_impl(Q, K, V, prefix, params, options, nullptr);
  add_float64_gap(c, options, [&](const Parameters& p, const ComparisonOptions& o) {
    return compare_impl(Q, K, V, prefix, p, o, nullptr);
  });
  return c;
}

Comparison compare_methods(const Parameters& params, const ComparisonOptions& options) {
  validate(params);
  const WorkloadSpec& w = params.workload;
  const InputPart in = generate_inputs(w);
  const GeneratedPrefix generated(w, in);
  // Without the window's cache, exact attention, compression and the maps each pass over the
  // prefix, so a prefix of up to 64 MB is drawn once and kept; larger ones stream. With it, the
  // three share one pass that draws only the rows the cache's folds lack.
  LiveCache* cache = options.cache;
  const bool keep = !cache && double(w.m) * double(w.d + value_width(w)) * sizeof(double) <= keep_prefix_bytes;
  Eigen::MatrixXd KP, VP;
  if (keep && !materialize(generated, KP, VP, sub_progress(options.progress, 0, 1))) return cancelled(params);
  const MatrixPrefix kept(KP, VP);
  const PrefixSource& prefix = keep ? static_cast<const PrefixSource&>(kept) : generated;
  const FoldKeys keys = fold_keys(params);
  Comparison c = compare_impl(in.Q, in.K, in.V, prefix, params, options, cache ? &keys : nullptr);
  if (c.pass) c.pass->cache_bytes = cache->bytes();
  if (c.status != Status::cancelled && c.exact.status == Status::ok)
    c.limit_distance = (c.exact.T - infinite_prefix_limit(w, in)).cwiseAbs().maxCoeff();
  add_float64_gap(c, options, [&](const Parameters& p, const ComparisonOptions& o) {
    return compare_impl(in.Q, in.K, in.V, prefix, p, o, nullptr);
  });
  return c;
}

std::vector<Comparison> compare_query_heads(const std::vector<Eigen::MatrixXd>& queries,
                                            const Eigen::Ref<const Eigen::MatrixXd>& K,
                                            const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                                            const Parameters& params, const ComparisonOptions& options) {
  if (queries.empty()) throw std::invalid_argument("compare_query_heads needs at least one query head");
  if (options.map_columns > 0 || options.cache)
    throw std::invalid_argument(
        "compare_query_heads makes no attention maps and uses no cache: compare one head for those");
  validate(params);
  std::vector<Comparison> heads;
  heads.reserve(queries.size());
  for (const Eigen::MatrixXd& Q : queries) heads.push_back(checked_comparison(Q, K, V, prefix, params, options));
  const FeatureMap phi(params.feature, K.cols());
  const Eigen::Index m = prefix.rows(), L = K.rows();

  // The pass: exact attention's prefix part of every head that streams, and the compression. The
  // heads small enough for the dense path (as compare_methods takes it) get the prefix in memory,
  // read once: then the pass runs over that copy.
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::optional<ExactPrefixConsumer>> exact(queries.size());
  std::vector<const PrefixConsumer*> consumers;
  bool dense = false;
  for (std::size_t h = 0; h < queries.size(); ++h) {
    if (!exact_streams(queries[h].rows(), m, L, params.precision)) {
      dense = true;
      continue;
    }
    exact[h].emplace(queries[h], V.cols(), std::nullopt, params.precision);
    consumers.push_back(&*exact[h]);
  }
  const CompressionConsumer compression(phi, V.cols(), std::nullopt, params.precision);
  consumers.push_back(&compression);
  PrefixScratch scratch;
  std::optional<PrefixRows> all;
  std::optional<MatrixPrefix> kept;
  if (dense) {
    all.emplace(prefix.block(0, m, scratch));
    kept.emplace(all->KP, all->VP);
  }
  const PrefixPass pass = reduce_prefix(kept ? static_cast<const PrefixSource&>(*kept) : prefix, consumers,
                                        sub_progress(options.progress, 0, 99));
  if (pass.status == Status::cancelled) return std::vector<Comparison>(queries.size(), cancelled(params));
  const NtkParams& compressed = CompressionConsumer::state(*pass.totals.back());
  std::optional<LowRankZ> low_rank;
  if (params.rank > 0) low_rank = truncate_rank(compressed.Z, params.rank);
  parallel_tasks(Eigen::Index(queries.size()), [&](Eigen::Index h) {
    if (!exact[h]) heads[h].exact = prefix_attention_dense(queries[h], K, V, all->KP, all->VP, params.causal);
  });
  const PassReport shared{seconds_since(start), pass.rows_read, 0, 0};

  for (std::size_t h = 0, streamed = 0; h < queries.size(); ++h) {
    Comparison& c = heads[h];
    if (exact[h])
      c.exact = finish_exact(ExactPrefixConsumer::state(*pass.totals[streamed++]), queries[h], K, V, params.causal);
    require_finite(c);
    if (params.feature.kind == FeatureKind::favor) c.omega = phi.omega();
    c.compressed = compressed;
    c.low_rank = low_rank;
    c.pass = shared;
    approximate_and_measure(c, queries[h], K, V, phi, options);
  }
  if (const std::optional<Float64Rerun> again = float64_rerun(params, options)) {
    const std::vector<Comparison> reference = compare_query_heads(queries, K, V, prefix, again->params, again->options);
    for (std::size_t h = 0; h < heads.size(); ++h) heads[h].float64_gap = precision_gap(heads[h], reference[h]);
  }
  if (options.progress) options.progress(100, 100);
  return heads;
}

}  // namespace ntk::core
