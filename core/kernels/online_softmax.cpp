#include "core/kernels/online_softmax.h"

#include <cmath>
#include <limits>

namespace ntk::core {
namespace {

// exp(old - new) with exp(-inf - x) = 0 (an empty state contributes nothing).
double rescale_factor(double old_max, double new_max) {
  return old_max == -std::numeric_limits<double>::infinity() ? 0.0 : std::exp(old_max - new_max);
}

}  // namespace

SoftmaxState::SoftmaxState(Eigen::Index queries, Eigen::Index d)
    : max(Eigen::VectorXd::Constant(queries, -std::numeric_limits<double>::infinity())),
      sum(Eigen::VectorXd::Zero(queries)),
      acc(Eigen::MatrixXd::Zero(d, queries)) {}

void accumulate(SoftmaxState& state, Eigen::Ref<Eigen::MatrixXd> S,
                const Eigen::Ref<const Eigen::MatrixXd>& V, Eigen::Index first_query) {
  for (Eigen::Index j = 0; j < S.cols(); ++j) {
    const Eigen::Index q = first_query + j;
    const double new_max = std::max(state.max(q), S.col(j).maxCoeff());
    const double alpha = rescale_factor(state.max(q), new_max);
    S.col(j) = (S.col(j).array() - new_max).exp();
    state.sum(q) = state.sum(q) * alpha + S.col(j).sum();
    state.acc.col(q) *= alpha;
    state.max(q) = new_max;
  }
  state.acc.middleCols(first_query, S.cols()).noalias() += V.transpose() * S;
}

void accumulate(SoftmaxState& state, Eigen::Ref<Eigen::MatrixXf> S, const Eigen::Ref<const Eigen::MatrixXf>& V,
                Eigen::Index first_query) {
  Eigen::VectorXf chunk_max(S.cols());
  for (Eigen::Index j = 0; j < S.cols(); ++j) {
    chunk_max(j) = S.col(j).maxCoeff();
    // A fully masked column (max -inf) contributes nothing: its exponentials are all 0.
    if (chunk_max(j) == -std::numeric_limits<float>::infinity()) S.col(j).setZero();
    else S.col(j) = (S.col(j).array() - chunk_max(j)).exp();
  }
  const Eigen::VectorXf chunk_sum = S.colwise().sum().transpose();
  const Eigen::MatrixXf chunk_acc = V.transpose() * S;
  for (Eigen::Index j = 0; j < S.cols(); ++j) {
    const Eigen::Index q = first_query + j;
    const double max = chunk_max(j);
    const double new_max = std::max(state.max(q), max);
    if (new_max == -std::numeric_limits<double>::infinity()) continue;
    const double a = rescale_factor(state.max(q), new_max);
    const double b = rescale_factor(max, new_max);
    state.sum(q) = state.sum(q) * a + double(chunk_sum(j)) * b;
    state.acc.col(q) = state.acc.col(q) * a + chunk_acc.col(j).cast<double>() * b;
    state.max(q) = new_max;
  }
}

void merge(SoftmaxState& state, const SoftmaxState& other) {
  for (Eigen::Index q = 0; q < state.max.size(); ++q) {
    const double new_max = std::max(state.max(q), other.max(q));
    if (new_max == -std::numeric_limits<double>::infinity()) continue;
    const double a = rescale_factor(state.max(q), new_max);
    const double b = rescale_factor(other.max(q), new_max);
    state.sum(q) = state.sum(q) * a + other.sum(q) * b;
    state.acc.col(q) = state.acc.col(q) * a + other.acc.col(q) * b;
    state.max(q) = new_max;
  }
}

Eigen::MatrixXd normalized_output(const SoftmaxState& state) {
  return (state.acc.array().rowwise() / state.sum.transpose().array()).transpose();
}

Eigen::VectorXd log_normalizer(const SoftmaxState& state) {
  return state.max.array() + state.sum.array().log();
}

}  // namespace ntk::core
