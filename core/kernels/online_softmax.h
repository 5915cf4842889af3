#pragma once
// The online-softmax recurrence (Milakov and Gimelshein 2018) for a block of queries: a running
// maximum, a running sum of exp(score - max) and a running weighted sum of values, so that keys
// can be visited chunk by chunk with memory independent of their number.

#include <Eigen/Core>

namespace ntk::core {

/// Running state for n queries with values of width d. Queries are columns (so every per-query
/// reduction runs over contiguous memory).
struct SoftmaxState {
  Eigen::VectorXd max;  ///< n, running maximum score (-inf before any key)
  Eigen::VectorXd sum;  ///< n, sum_j exp(s_j - max)
  Eigen::MatrixXd acc;  ///< d x n, sum_j exp(s_j - max) v_j

  SoftmaxState() = default;
  SoftmaxState(Eigen::Index queries, Eigen::Index d);
};

/// Adds keys with scores S (keys x queries; -inf marks a masked pair) and values V (keys x d)
/// to the queries [first_query, first_query + S.cols()) of `state`. S is overwritten with
/// exp(S - new max).
void accumulate(SoftmaxState& state, Eigen::Ref<Eigen::MatrixXd> S,
                const Eigen::Ref<const Eigen::MatrixXd>& V, Eigen::Index first_query = 0);

/// The same for a float32 chunk: its maxima, exponentials, sums and weighted values are
/// computed in float32 (S is overwritten with exp(S - chunk max)), then merged into the float64
/// state as one more state would be (method.md section 2, "float32").
void accumulate(SoftmaxState& state, Eigen::Ref<Eigen::MatrixXf> S, const Eigen::Ref<const Eigen::MatrixXf>& V,
                Eigen::Index first_query = 0);

/// Folds `other` into `state` (the result is the state of both key sets together).
void merge(SoftmaxState& state, const SoftmaxState& other);

/// Softmax-weighted values (n x d): acc^T / sum.
Eigen::MatrixXd normalized_output(const SoftmaxState& state);

/// log sum_j exp(s_j) per query (n).
Eigen::VectorXd log_normalizer(const SoftmaxState& state);

}  // namespace ntk::core
