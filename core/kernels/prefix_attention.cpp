#include "core/kernels/prefix_attention.h"

#include "core/kernels/prefix_reduction.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace ntk::core {
namespace {

constexpr Eigen::Index dense_limit = Eigen::Index{1} << 16;  // score-matrix entries

std::string shape(const Eigen::Ref<const Eigen::MatrixXd>& a) {
  return std::to_string(a.rows()) + " x " + std::to_string(a.cols());
}

}  // namespace

void check_shapes(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                  const Eigen::Ref<const Eigen::MatrixXd>& V, Eigen::Index prefix_width,
                  Eigen::Index prefix_value_width, bool causal) {
  if (Q.rows() < 1 || Q.cols() < 1) throw std::invalid_argument("Q must have at least one row and one column");
  if (K.rows() < 1 || K.cols() != Q.cols() || V.rows() != K.rows() || V.cols() < 1)
    throw std::invalid_argument("Q must be n x d, K L x d and V L x d_v; got Q " + shape(Q) + ", K " + shape(K) +
                                ", V " + shape(V));
  if (prefix_width != Q.cols())
    throw std::invalid_argument("the prefix keys have width " + std::to_string(prefix_width) +
                                " but Q has d = " + std::to_string(Q.cols()));
  if (prefix_value_width != V.cols())
    throw std::invalid_argument("the prefix values have width " + std::to_string(prefix_value_width) +
                                " but V has d_v = " + std::to_string(V.cols()));
  if (causal && Q.rows() > K.rows())
    throw std::invalid_argument(
        "under the causal mask the queries are the last n of the L input tokens', so n <= L; "
        "got n = " +
        std::to_string(Q.rows()) + " queries over L = " + std::to_string(K.rows()) + " keys");
}

Eigen::MatrixXd input_scores_transposed(const Eigen::Ref<const Eigen::MatrixXd>& Q_block,
                                        const Eigen::Ref<const Eigen::MatrixXd>& K, Eigen::Index first_position,
                                        bool causal) {
  Eigen::MatrixXd S = K * Q_block.transpose() / std::sqrt(double(K.cols()));
  if (causal) {
    for (Eigen::Index q = 0; q < S.cols(); ++q) {
      const Eigen::Index visible = first_position + q + 1;
      if (visible < S.rows()) S.col(q).tail(S.rows() - visible).setConstant(-std::numeric_limits<double>::infinity());
    }
  }
  return S;
}

ExactResult prefix_attention_dense(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                   const Eigen::Ref<const Eigen::MatrixXd>& K,
                                   const Eigen::Ref<const Eigen::MatrixXd>& V,
                                   const Eigen::Ref<const Eigen::MatrixXd>& KP,
                                   const Eigen::Ref<const Eigen::MatrixXd>& VP, bool causal) {
  check_shapes(Q, K, V, KP.cols(), VP.cols(), causal);
  if (VP.rows() != KP.rows()) throw std::invalid_argument("K_P and V_P must have the same number of rows");
  const Eigen::Index m = KP.rows();
  const Eigen::Index L = K.rows();
  Eigen::MatrixXd S(m + L, Q.rows());  // keys x queries
  S.topRows(m) = KP * Q.transpose() / std::sqrt(double(Q.cols()));
  const double max_abs_score = m > 0 ? S.topRows(m).cwiseAbs().maxCoeff() : 0.0;
  S.bottomRows(L) = input_scores_transposed(Q, K, query_position(0, Q.rows(), L), causal);
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

std::size_t state_bytes(const ExactPrefixState& s) {
  return sizeof(double) * std::size_t(s.softmax.max.size() + s.softmax.sum.size() + s.softmax.acc.size());
}

ExactPrefixConsumer::ExactPrefixConsumer(const Eigen::Ref<const Eigen::MatrixXd>& Q, Eigen::Index value_dim,
                                         std::optional<FoldKey> key, Precision precision)
    : m_Qs(Q / std::sqrt(double(Q.cols()))), m_value_dim(value_dim), m_key(key) {
  if (precision == Precision::float32) m_Qs32 = m_Qs.cast<float>();
}

ExactPrefixState ExactPrefixConsumer::initial() const { return {SoftmaxState(m_Qs.rows(), m_value_dim), 0.0}; }

namespace {

// Scores of a chunk for every block of queries, accumulated: Scalar is the chunk's arithmetic.
template <class Scalar, class Queries, class Rows>
void add_chunk(ExactPrefixState& s, const Queries& Qs, const Rows& KP, const Rows& VP) {
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> S(KP.rows(), std::min(prefix_query_block, Qs.rows()));
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> top(S.cols());
  for (Eigen::Index first = 0; first < Qs.rows(); first += prefix_query_block) {
    const Eigen::Index n = std::min(prefix_query_block, Qs.rows() - first);
    s.max_abs_score =
        std::max(s.max_abs_score, exponentiated_scores(KP, Qs.middleRows(first, n), S.leftCols(n), top.head(n)));
    accumulate_exponentials(s.softmax, S.leftCols(n), top.head(n), VP, first);
  }
}

}  // namespace

void ExactPrefixConsumer::add(ExactPrefixState& s, Eigen::Index, const PrefixBlock& block) const {
  if (m_Qs32.size() == 0 && block.scores) {  // the exact map's too: made once, the same bits
    ChunkScores& scores = *block.scores;
    scores.of(m_Qs, block.KP);
    s.max_abs_score = std::max(s.max_abs_score, scores.largest());
    for (Eigen::Index first = 0; first < m_Qs.rows(); first += prefix_query_block) {
      const Eigen::Index n = std::min(prefix_query_block, m_Qs.rows() - first);
      accumulate_exponentials(s.softmax, scores.exponentials().middleCols(first, n), scores.top().segment(first, n),
                              block.VP, first);
    }
    return;
  }
  if (m_Qs32.size() == 0) {
    add_chunk<double>(s, m_Qs, block.KP, block.VP);
    return;
  }
  const Eigen::MatrixXf KP = block.KP.cast<float>(), VP = block.VP.cast<float>();
  add_chunk<float>(s, m_Qs32, KP, VP);
}

void ExactPrefixConsumer::append(ExactPrefixState& total, const ExactPrefixState& next) const {
  merge(total.softmax, next.softmax);
  total.max_abs_score = std::max(total.max_abs_score, next.max_abs_score);
}

ExactResult finish_exact(const ExactPrefixState& prefix, const Eigen::Ref<const Eigen::MatrixXd>& Q,
                         const Eigen::Ref<const Eigen::MatrixXd>& K, const Eigen::Ref<const Eigen::MatrixXd>& V,
                         bool causal) {
  const Eigen::Index queries = Q.rows();
  SoftmaxState total = prefix.softmax;
  SoftmaxState input(queries, V.cols());
  for (Eigen::Index first = 0; first < queries; first += prefix_query_block) {
    const Eigen::Index n = std::min(prefix_query_block, queries - first);
    Eigen::MatrixXd S =
        input_scores_transposed(Q.middleRows(first, n), K, query_position(first, queries, K.rows()), causal);
    accumulate(input, S, V, first);
  }
  merge(total, input);
  ExactResult out;
  out.T = normalized_output(total);
  out.log_normalizer = log_normalizer(total);
  out.max_abs_prefix_score = prefix.max_abs_score;
  const SoftmaxState& p = prefix.softmax;
  out.prefix_mass = (p.sum.array() == 0.0)
                        .select(0.0, p.sum.array() * (p.max - total.max).array().exp() / total.sum.array())
                        .matrix();
  return out;
}

ExactResult prefix_attention_streaming(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                       const Eigen::Ref<const Eigen::MatrixXd>& K,
                                       const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                                       const ExactOptions& options) {
  check_shapes(Q, K, V, prefix.dim(), prefix.value_dim(), options.causal);
  const ExactPrefixConsumer consumer(Q, V.cols(), {}, options.precision);
  const PrefixPass pass = reduce_prefix(prefix, {&consumer}, options.progress);
  if (pass.status == Status::cancelled) {
    ExactResult out;
    out.status = Status::cancelled;
    return out;
  }
  return finish_exact(ExactPrefixConsumer::state(*pass.totals[0]), Q, K, V, options.causal);
}

bool exact_streams(Eigen::Index n, Eigen::Index m, Eigen::Index L, Precision precision) {
  return precision == Precision::float32 || n * (m + L) > dense_limit;
}

ExactResult prefix_attention(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                             const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                             const ExactOptions& options) {
  if (exact_streams(Q.rows(), prefix.rows(), K.rows(), options.precision))
    return prefix_attention_streaming(Q, K, V, prefix, options);
  PrefixScratch scratch;
  const PrefixBlock all{prefix.block(0, prefix.rows(), scratch)};
  return prefix_attention_dense(Q, K, V, all.KP, all.VP, options.causal);
}

}  // namespace ntk::core
