#include "core/kernels/prefix_attention.h"

#include "core/kernels/online_softmax.h"
#include "core/util/parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace ntk::core {
namespace {

constexpr Eigen::Index query_block = 128;
constexpr Eigen::Index dense_limit = Eigen::Index{1} << 16;  // score-matrix entries

std::string shape(const Eigen::Ref<const Eigen::MatrixXd>& a) {
  return std::to_string(a.rows()) + " x " + std::to_string(a.cols());
}

// Folds a block of queries' prefix partials (in segment order) and its input part.
void finish_block(std::vector<SoftmaxState>& partials, const SoftmaxState& input,
                  Eigen::Index first_query, ExactResult& out) {
  SoftmaxState prefix = std::move(partials.front());
  for (std::size_t s = 1; s < partials.size(); ++s) merge(prefix, partials[s]);
  SoftmaxState total = prefix;
  merge(total, input);
  const Eigen::Index n = total.max.size();
  out.T.middleRows(first_query, n) = normalized_output(total);
  out.log_normalizer.segment(first_query, n) = log_normalizer(total);
  for (Eigen::Index q = 0; q < n; ++q)
    out.prefix_mass(first_query + q) =
        prefix.sum(q) == 0.0 ? 0.0
                             : prefix.sum(q) * std::exp(prefix.max(q) - total.max(q)) / total.sum(q);
}

}  // namespace

void check_shapes(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                  const Eigen::Ref<const Eigen::MatrixXd>& K,
                  const Eigen::Ref<const Eigen::MatrixXd>& V, Eigen::Index prefix_width) {
  if (Q.rows() < 1 || Q.cols() < 1)
    throw std::invalid_argument("Q must have at least one row and one column");
  if (K.rows() != Q.rows() || K.cols() != Q.cols() || V.rows() != Q.rows() ||
      V.cols() != Q.cols())
    throw std::invalid_argument("Q, K and V must all be L x d; got Q " + shape(Q) + ", K " +
                                shape(K) + ", V " + shape(V));
  if (prefix_width != Q.cols())
    throw std::invalid_argument("the prefix has width " + std::to_string(prefix_width) +
                                " but Q has d = " + std::to_string(Q.cols()));
}

Eigen::MatrixXd input_scores_transposed(const Eigen::Ref<const Eigen::MatrixXd>& Q_block,
                                        const Eigen::Ref<const Eigen::MatrixXd>& K,
                                        Eigen::Index first_query, bool causal) {
  Eigen::MatrixXd S = K * Q_block.transpose() / std::sqrt(double(K.cols()));
  if (causal) {
    for (Eigen::Index q = 0; q < S.cols(); ++q) {
      const Eigen::Index visible = first_query + q + 1;
      if (visible < S.rows())
        S.col(q).tail(S.rows() - visible).setConstant(-std::numeric_limits<double>::infinity());
    }
  }
  return S;
}

ExactResult prefix_attention_dense(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                   const Eigen::Ref<const Eigen::MatrixXd>& K,
                                   const Eigen::Ref<const Eigen::MatrixXd>& V,
                                   const Eigen::Ref<const Eigen::MatrixXd>& KP,
                                   const Eigen::Ref<const Eigen::MatrixXd>& VP, bool causal) {
  check_shapes(Q, K, V, KP.cols());
  if (VP.rows() != KP.rows() || VP.cols() != KP.cols())
    throw std::invalid_argument("K_P and V_P must have the same shape");
  const Eigen::Index m = KP.rows();
  const Eigen::Index L = Q.rows();
  Eigen::MatrixXd S(m + L, L);  // keys x queries
  S.topRows(m) = KP * Q.transpose() / std::sqrt(double(Q.cols()));
  const double max_abs_score = m > 0 ? S.topRows(m).cwiseAbs().maxCoeff() : 0.0;
  S.bottomRows(L) = input_scores_transposed(Q, K, 0, causal);
  const Eigen::RowVectorXd col_max = S.colwise().maxCoeff();
  S = (S.rowwise() - col_max).array().exp();
  const Eigen::RowVectorXd col_sum = S.colwise().sum();
  S.array().rowwise() /= col_sum.array();

  ExactResult out;
  out.T = S.topRows(m).transpose() * VP + S.bottomRows(L).transpose() * V;
  out.prefix_mass = S.topRows(m).colwise().sum().transpose();
  out.log_normalizer = (col_max.array() + col_sum.array().log()).transpose();
  out.max_abs_prefix_score = max_abs_score;
  return out;
}

ExactResult prefix_attention_streaming(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                       const Eigen::Ref<const Eigen::MatrixXd>& K,
                                       const Eigen::Ref<const Eigen::MatrixXd>& V,
                                       const PrefixSource& prefix, const ExactOptions& options) {
  check_shapes(Q, K, V, prefix.dim());
  const Eigen::Index L = Q.rows();
  const Eigen::Index d = Q.cols();
  const Eigen::Index blocks = (L + query_block - 1) / query_block;
  const Eigen::MatrixXd Qs = Q / std::sqrt(double(d));
  const PrefixPartition part = partition_prefix(
      prefix.rows(), options.chunk, sizeof(double) * std::size_t(query_block * (d + 2)));

  std::vector<SoftmaxState> partials(std::size_t(blocks * part.segments));
  std::vector<double> max_abs_scores(partials.size(), 0.0);
  ProgressTracker tracker(options.progress, prefix.rows() * blocks);
  parallel_tasks(blocks * part.segments, [&](Eigen::Index task) {
    const Eigen::Index b = task / part.segments;
    const Eigen::Index first = b * query_block;
    const Eigen::Index n = std::min(query_block, L - first);
    SoftmaxState state(n, d);
    PrefixScratch scratch;
    Eigen::MatrixXd S;
    const Eigen::Index begin = part.segment_begin(task % part.segments);
    const Eigen::Index end = begin + part.segment_count(task % part.segments);
    for (Eigen::Index row = begin; row < end && !tracker.cancelled(); row += part.chunk) {
      const Eigen::Index count = std::min(part.chunk, end - row);
      const PrefixBlock blk = prefix.block(row, count, scratch);
      S.noalias() = blk.KP * Qs.middleRows(first, n).transpose();
      max_abs_scores[std::size_t(task)] =
          std::max(max_abs_scores[std::size_t(task)], S.cwiseAbs().maxCoeff());
      accumulate(state, S, blk.VP);
      tracker.advance(count);
    }
    partials[std::size_t(task)] = std::move(state);
  });

  ExactResult out;
  if (tracker.cancelled()) {
    out.status = Status::cancelled;
    return out;
  }
  out.T.resize(L, d);
  out.prefix_mass.resize(L);
  out.log_normalizer.resize(L);
  out.max_abs_prefix_score = *std::max_element(max_abs_scores.begin(), max_abs_scores.end());
  for (Eigen::Index b = 0; b < blocks; ++b) {
    const Eigen::Index first = b * query_block;
    const Eigen::Index n = std::min(query_block, L - first);
    SoftmaxState input(n, d);
    Eigen::MatrixXd S = input_scores_transposed(Q.middleRows(first, n), K, first, options.causal);
    accumulate(input, S, V);
    std::vector<SoftmaxState> block_partials(
        std::make_move_iterator(partials.begin() + b * part.segments),
        std::make_move_iterator(partials.begin() + (b + 1) * part.segments));
    finish_block(block_partials, input, first, out);
  }
  return out;
}

ExactResult prefix_attention(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                             const Eigen::Ref<const Eigen::MatrixXd>& K,
                             const Eigen::Ref<const Eigen::MatrixXd>& V,
                             const PrefixSource& prefix, const ExactOptions& options) {
  if (Q.rows() * (prefix.rows() + Q.rows()) > dense_limit)
    return prefix_attention_streaming(Q, K, V, prefix, options);
  PrefixScratch scratch;
  const PrefixBlock all = prefix.block(0, prefix.rows(), scratch);
  return prefix_attention_dense(Q, K, V, all.KP, all.VP, options.causal);
}

}  // namespace ntk::core
