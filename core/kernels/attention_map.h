#pragma once
// The attention weight matrix for display (method.md section 2), with the prefix columns summed
// into at most a given number of bins so that a prefix of millions of keys fits on screen.

#include "core/workload/workload.h"

#include <Eigen/Core>

namespace ntk::core {

struct AttentionMap {
  /// L x (prefix_bins + L): column b < prefix_bins holds the softmax mass of the prefix keys
  /// j with floor(j * prefix_bins / m) == b; the last L columns are the input keys.
  Eigen::MatrixXd weights;
  Eigen::Index prefix_bins = 0;
  double keys_per_bin = 1.0;  ///< m / prefix_bins (1 when nothing is binned)
};

/// Exact softmax weights. `log_normalizer` (L) is ExactResult::log_normalizer of the same
/// inputs; max_prefix_columns >= 1. Each row of `weights` sums to 1.
AttentionMap exact_attention_map(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                 const Eigen::Ref<const Eigen::MatrixXd>& K,
                                 const PrefixSource& prefix, bool causal,
                                 const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                                 Eigen::Index max_prefix_columns);

}  // namespace ntk::core
