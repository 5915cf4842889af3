#include "core/kernels/online_softmax.h"

#include <cmath>
#include <limits>

namespace ntk::core {
namespace {

// exp(old - new) with exp(-inf - x) = 0 (an empty state contributes nothing).
double rescale_factor(double old_max, double new_max) {
  return old_max == -std::numeric_limits<double>::infinity() ? 0.0 : std::exp(old_max - new_max);
}

template <class Scalar>
void exponentiate_impl(Eigen::Ref<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>> S,
                       Eigen::Ref<Eigen::Matrix<Scalar, Eigen::Dynamic, 1>> top) {
  for (Eigen::Index j = 0; j < S.cols(); ++j) {
    top(j) = S.col(j).maxCoeff();
    if (top(j) == -std::numeric_limits<Scalar>::infinity())
      S.col(j).setZero();
    else
      S.col(j) = (S.col(j).array() - top(j)).exp();
  }
}

// Each query's sum and weighted values of the block, in Scalar, merged into the float64 state
// as one more state with maximum top.
template <class Scalar>
void accumulate_impl(SoftmaxState& state,
                     const Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>>& E,
                     const Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>& top,
                     const Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>>& V,
                     Eigen::Index first_query) {
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> sum = E.colwise().sum().transpose();
  const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> acc = V.transpose() * E;
  for (Eigen::Index j = 0; j < E.cols(); ++j) {
    const Eigen::Index q = first_query + j;
    const double max = double(top(j));
    const double new_max = std::max(state.max(q), max);
    if (new_max == -std::numeric_limits<double>::infinity()) continue;
    const double a = rescale_factor(state.max(q), new_max);
    const double b = rescale_factor(max, new_max);
    state.sum(q) = state.sum(q) * a + double(sum(j)) * b;
    state.acc.col(q) = state.acc.col(q) * a + acc.col(j).template cast<double>() * b;
    state.max(q) = new_max;
  }
}

}  // namespace

SoftmaxState::SoftmaxState(Eigen::Index queries, Eigen::Index d)
    : max(Eigen::VectorXd::Constant(queries, -std::numeric_limits<double>::infinity())),
      sum(Eigen::VectorXd::Zero(queries)),
      acc(Eigen::MatrixXd::Zero(d, queries)) {}

void exponentiate(Eigen::Ref<Eigen::MatrixXd> S, Eigen::Ref<Eigen::VectorXd> top) { exponentiate_impl<double>(S, top); }

void exponentiate(Eigen::Ref<Eigen::MatrixXf> S, Eigen::Ref<Eigen::VectorXf> top) { exponentiate_impl<float>(S, top); }

void accumulate_exponentials(SoftmaxState& state, const Eigen::Ref<const Eigen::MatrixXd>& E,
                             const Eigen::Ref<const Eigen::VectorXd>& top, const Eigen::Ref<const Eigen::MatrixXd>& V,
                             Eigen::Index first_query) {
  accumulate_impl<double>(state, E, top, V, first_query);
}

void accumulate_exponentials(SoftmaxState& state, const Eigen::Ref<const Eigen::MatrixXf>& E,
                             const Eigen::Ref<const Eigen::VectorXf>& top, const Eigen::Ref<const Eigen::MatrixXf>& V,
                             Eigen::Index first_query) {
  accumulate_impl<float>(state, E, top, V, first_query);
}

void accumulate(SoftmaxState& state, Eigen::Ref<Eigen::MatrixXd> S, const Eigen::Ref<const Eigen::MatrixXd>& V,
                Eigen::Index first_query) {
  Eigen::VectorXd top(S.cols());
  exponentiate(S, top);
  accumulate_exponentials(state, S, top, V, first_query);
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

Eigen::VectorXd log_normalizer(const SoftmaxState& state) { return state.max.array() + state.sum.array().log(); }

}  // namespace ntk::core
