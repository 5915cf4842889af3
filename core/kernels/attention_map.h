#pragma once
// The attention weight matrix for display (method.md section 2), with the prefix columns summed
// into at most a given number of bins so that a prefix of millions of keys fits on screen, and
// the queries and input keys binned likewise so that a long input does too (and its L x L
// weights are never held: they are made and binned a block of queries at a time).

#include "core/kernels/feature_map.h"
#include "core/kernels/fold_cache.h"
#include "core/kernels/prefix_consumer.h"
#include "core/util/progress.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ntk::core {

struct AttentionMap {
  /// query_bins x (prefix_bins + input_bins). Row a is the mean weight row of the n queries i
  /// with floor(i * query_bins / n) == a (so rows still sum to 1); column b < prefix_bins holds
  /// the softmax mass of the prefix keys j with j / keys_per_bin == b (prefix_bin_width; the
  /// last bin may hold fewer), and the last input_bins columns that of the L input keys, binned
  /// like the queries (floor(j * input_bins / L)). With n = L both axes are binned alike.
  Eigen::MatrixXd weights;
  Eigen::Index prefix_bins = 0;
  double keys_per_bin = 1.0;  ///< the bin width, a power of two (1 when nothing is binned)
  Eigen::Index query_bins = 0;
  double queries_per_bin = 1.0;  ///< n / query_bins (1 when nothing is binned)
  Eigen::Index input_bins = 0;
  double inputs_per_bin = 1.0;  ///< L / input_bins (1 when nothing is binned)
};

/// Bins of the query (or input-key) axis of L entries when at most `max_query_bins` are wanted
/// (0: one per entry).
inline Eigen::Index query_bin_count(Eigen::Index L, Eigen::Index max_query_bins) {
  return max_query_bins > 0 ? std::min(L, max_query_bins) : L;
}

/// Peak working memory of attention_maps (both maps, every thread's scratch), for the budget.
double attention_maps_bytes(Eigen::Index L, Eigen::Index r, Eigen::Index prefix_bins, Eigen::Index query_bins,
                            int threads);

struct AttentionMaps {
  AttentionMap exact, ntk;
  Status status = Status::ok;  ///< cancelled: the maps are empty
};

/// Width of a map's prefix bins: the smallest power of two w with ceil(m / w) <= max_prefix_columns
/// (>= 1). Prefix key j falls in bin j / w, so within an octave of m the first keys keep their
/// bins, and the window's cache can keep the maps' folds as it keeps exact attention's.
Eigen::Index prefix_bin_width(Eigen::Index m, Eigen::Index max_prefix_columns);

/// The prefix parts of both maps as consumers of the prefix pass (prefix_reduction.h), so that
/// they can share a pass with exact attention and the compression. The exact map's consumer keeps
/// log sum exp(<q_i, k_j> / sqrt(d)) per query and bin, so it needs no normaliser until finish();
/// the NTK map's keeps the sum of phi(K_P[j]) per bin. A bin wider than a chunk
/// (prefix_chunk_rows keys) is a binary tree over its chunks, so a bin of width 2w combines two of
/// width w. Keys, when not empty, name the workload's Q and prefix rows (exact) and phi and the
/// rows (features) for PrefixFoldCache; the bin width is added to them.
class MapConsumers {
 public:
  MapConsumers(const Eigen::Ref<const Eigen::MatrixXd>& Q, const FeatureMap& phi, Eigen::Index m,
               Eigen::Index max_prefix_columns, const std::optional<FoldKey>& exact_key = std::nullopt,
               const std::optional<FoldKey>& feature_key = std::nullopt);
  ~MapConsumers();
  MapConsumers(const MapConsumers&) = delete;
  MapConsumers& operator=(const MapConsumers&) = delete;

  /// The exact map's consumer, then the NTK map's.
  std::vector<const PrefixConsumer*> consumers() const { return {m_exact.get(), m_features.get()}; }

  /// When m has crossed a power of two upwards (the bins are wider than before), turns the
  /// longest held folds of a finer width (of at least a chunk) into folds of this width, with the
  /// bits a pass from scratch gives, so that the pass need not start over. `segments`: the whole
  /// segments of m.
  void coarsen_cached_folds(PrefixFoldCache& cache, Eigen::Index segments) const;

  /// Both maps from the pass's totals of consumers(). `log_normalizer` is ExactResult's and
  /// `denominator` NtkResult's for the same inputs.
  ///
  /// Exact: the softmax weights (rows sum to 1). NTK-Attention: the weights it implies (the
  /// paper's Algorithm 2 read as attention): prefix key j gets exp(-M_i) <phi(q_i), phi(K_P[j])> / D_i
  /// and input key j gets exp(S_X[i, j] - M_i) / D_i, M_i the row maximum of the input scores and
  /// D_i = NtkResult::denominator; rows sum to 1 when D_i > 0.
  AttentionMaps finish(const PrefixPartial& exact, const PrefixPartial& features,
                       const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                       const FeatureMap& phi, bool causal, const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                       const Eigen::Ref<const Eigen::VectorXd>& denominator, Eigen::Index max_query_bins) const;

 private:
  static std::optional<FoldKey> key_at(std::optional<FoldKey> key, Eigen::Index width);

  Eigen::Index m_m, m_max_prefix_columns;
  std::optional<FoldKey> m_exact_key, m_feature_key;
  std::unique_ptr<const PrefixConsumer> m_exact, m_features;
};

/// Both maps in a pass of their own (MapConsumers); `progress` counts prefix rows and can stop
/// it. max_query_bins as in query_bin_count.
AttentionMaps attention_maps(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                             const PrefixSource& prefix, const FeatureMap& phi, bool causal,
                             const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                             const Eigen::Ref<const Eigen::VectorXd>& denominator, Eigen::Index max_prefix_columns,
                             Eigen::Index max_query_bins, const Progress& progress = {});

}  // namespace ntk::core
