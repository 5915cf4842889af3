#pragma once
// The attention weight matrix for display (method.md section 2), with the prefix columns summed
// into at most a given number of bins so that a prefix of millions of keys fits on screen, and
// the queries and input keys binned likewise so that a long input does too (and its L x L
// weights are never held: they are made and binned a block of queries at a time).

#include "core/kernels/feature_map.h"
#include "core/util/progress.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <algorithm>

namespace ntk::core {

struct AttentionMap {
  /// query_bins x (prefix_bins + query_bins). Row a is the mean weight row of the queries i
  /// with floor(i * query_bins / L) == a (so rows still sum to 1); column b < prefix_bins holds
  /// the softmax mass of the prefix keys j with floor(j * prefix_bins / m) == b, and the last
  /// query_bins columns that of the input keys, binned as the queries are.
  Eigen::MatrixXd weights;
  Eigen::Index prefix_bins = 0;
  double keys_per_bin = 1.0;     ///< m / prefix_bins (1 when nothing is binned)
  Eigen::Index query_bins = 0;
  double queries_per_bin = 1.0;  ///< L / query_bins (1 when nothing is binned)
};

/// Bins of the query axis when at most `max_query_bins` are wanted (0: one per query).
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

/// Exact softmax weights. `log_normalizer` (L) is ExactResult::log_normalizer of the same
/// inputs; max_prefix_columns >= 1. Each row of `weights` sums to 1.
AttentionMap exact_attention_map(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                 const Eigen::Ref<const Eigen::MatrixXd>& K,
                                 const PrefixSource& prefix, bool causal,
                                 const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                                 Eigen::Index max_prefix_columns, Eigen::Index max_query_bins = 0);

/// The weights NTK-Attention implies (the paper's Algorithm 2 read as attention): prefix key j
/// gets exp(-M_i) <phi(q_i), phi(K_P[j])> / D_i and input key j gets exp(S_X[i, j] - M_i) / D_i,
/// where M_i is the row maximum of the input scores and D_i = NtkResult::denominator. A bin's
/// weight is exp(-M_i) <phi(q_i), sum_{j in bin} phi(K_P[j])> / D_i, so binning costs one pass
/// over the prefix whatever the number of bins. Rows sum to 1 when D_i > 0.
AttentionMap ntk_attention_map(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                               const Eigen::Ref<const Eigen::MatrixXd>& K,
                               const PrefixSource& prefix, const FeatureMap& phi, bool causal,
                               const Eigen::Ref<const Eigen::VectorXd>& denominator,
                               Eigen::Index max_prefix_columns, Eigen::Index max_query_bins = 0);

/// Both maps in one pass over the prefix (each chunk drawn once for both); `progress` counts
/// prefix rows and can stop it. max_query_bins as in query_bin_count.
AttentionMaps attention_maps(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                             const Eigen::Ref<const Eigen::MatrixXd>& K, const PrefixSource& prefix,
                             const FeatureMap& phi, bool causal,
                             const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                             const Eigen::Ref<const Eigen::VectorXd>& denominator,
                             Eigen::Index max_prefix_columns, Eigen::Index max_query_bins,
                             const Progress& progress = {});

}  // namespace ntk::core
