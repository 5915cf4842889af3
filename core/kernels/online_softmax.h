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

/// The exponentials of a block of scores S (keys x queries; -inf marks a masked pair), in place:
/// S := exp(S - top), top the column maxima (a column of -inf only gives zeros and top -inf).
void exponentiate(Eigen::Ref<Eigen::MatrixXd> S, Eigen::Ref<Eigen::VectorXd> top);
void exponentiate(Eigen::Ref<Eigen::MatrixXf> S, Eigen::Ref<Eigen::VectorXf> top);

/// Adds keys whose scores' exponentials are E = exp(S - top) (exponentiate; keys x queries) and
/// whose values are V (keys x d) to the queries [first_query, first_query + E.cols()) of
/// `state`: their sums and weighted values are merged as one more state would be. The float32
/// overload sums in float32 and merges into the float64 state (method.md section 2, "float32").
void accumulate_exponentials(SoftmaxState& state, const Eigen::Ref<const Eigen::MatrixXd>& E,
                             const Eigen::Ref<const Eigen::VectorXd>& top, const Eigen::Ref<const Eigen::MatrixXd>& V,
                             Eigen::Index first_query = 0);
void accumulate_exponentials(SoftmaxState& state, const Eigen::Ref<const Eigen::MatrixXf>& E,
                             const Eigen::Ref<const Eigen::VectorXf>& top, const Eigen::Ref<const Eigen::MatrixXf>& V,
                             Eigen::Index first_query = 0);

/// exponentiate, then accumulate_exponentials: adds keys with scores S to `state` (S is
/// overwritten with its exponentials).
void accumulate(SoftmaxState& state, Eigen::Ref<Eigen::MatrixXd> S, const Eigen::Ref<const Eigen::MatrixXd>& V,
                Eigen::Index first_query = 0);

/// Folds `other` into `state` (the result is the state of both key sets together).
void merge(SoftmaxState& state, const SoftmaxState& other);

/// Softmax-weighted values (n x d): acc^T / sum.
Eigen::MatrixXd normalized_output(const SoftmaxState& state);

/// log sum_j exp(s_j) per query (n).
Eigen::VectorXd log_normalizer(const SoftmaxState& state);

}  // namespace ntk::core
