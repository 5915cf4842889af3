#pragma once
// Exact prefix attention, the paper's Algorithm 1 (method.md section 2):
//   PrefixAttn = rowsoftmax([Q K_P^T, Q K^T] / sqrt(d)) [V_P; V]
// with the causal mask (if any) on the input block only, never on the prefix.

#include "core/util/progress.h"
#include "core/workload/workload.h"

#include <Eigen/Core>

namespace ntk::core {

struct ExactOptions {
  bool causal = false;
  Eigen::Index chunk = 512;  ///< prefix rows streamed at once
  Progress progress;         ///< units: prefix rows x query blocks
};

struct ExactResult {
  Eigen::MatrixXd T;               ///< L x d, the attention output
  Eigen::VectorXd prefix_mass;     ///< L, softmax mass on the prefix columns of each query row
  Eigen::VectorXd log_normalizer;  ///< L, log sum over all keys of exp(score)
  double max_abs_prefix_score = 0; ///< max |<q_i, K_P[j]>| / sqrt(d), the Taylor map's |t|
  Status status = Status::ok;
};

/// Forms the whole L x (m + L) score matrix; memory O(L (m + L)). Q, K, V: L x d;
/// KP, VP: m x d.
ExactResult prefix_attention_dense(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                   const Eigen::Ref<const Eigen::MatrixXd>& K,
                                   const Eigen::Ref<const Eigen::MatrixXd>& V,
                                   const Eigen::Ref<const Eigen::MatrixXd>& KP,
                                   const Eigen::Ref<const Eigen::MatrixXd>& VP, bool causal);

/// Online softmax over prefix chunks: memory O(L d + chunk (L + d)) whatever m is; equal to
/// the dense result to rounding and independent of the thread count.
ExactResult prefix_attention_streaming(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                       const Eigen::Ref<const Eigen::MatrixXd>& K,
                                       const Eigen::Ref<const Eigen::MatrixXd>& V,
                                       const PrefixSource& prefix, const ExactOptions& options);

/// The dense path for small problems, the streaming one otherwise.
ExactResult prefix_attention(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                             const Eigen::Ref<const Eigen::MatrixXd>& K,
                             const Eigen::Ref<const Eigen::MatrixXd>& V,
                             const PrefixSource& prefix, const ExactOptions& options);

/// Input-part scores transposed (keys x queries): K Q_block^T / sqrt(d) for the queries
/// [first_query, first_query + Q_block.rows()), with -inf where a causal mask hides key j > i.
Eigen::MatrixXd input_scores_transposed(const Eigen::Ref<const Eigen::MatrixXd>& Q_block,
                                        const Eigen::Ref<const Eigen::MatrixXd>& K,
                                        Eigen::Index first_query, bool causal);

/// Throws std::invalid_argument unless Q, K, V are L x d and the prefix has width d.
void check_shapes(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                  const Eigen::Ref<const Eigen::MatrixXd>& K,
                  const Eigen::Ref<const Eigen::MatrixXd>& V, Eigen::Index prefix_width);

}  // namespace ntk::core
