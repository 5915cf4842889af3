#include "core/kernels/ntk_attention.h"

#include "core/kernels/prefix_attention.h"
#include "core/kernels/prefix_reduction.h"
#include "core/util/parallel.h"

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ntk::core {
namespace {

constexpr Eigen::Index query_block = 64;

// Shared by both forms of Z: phi_z maps the scaled features phi(Q) (n x r) to phi(Q) Z (n x d_v).
NtkResult evaluate(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                   const Eigen::Ref<const Eigen::MatrixXd>& V, const FeatureMap& phi,
                   const Eigen::Ref<const Eigen::VectorXd>& k, bool causal,
                   const std::function<Eigen::MatrixXd(const Eigen::MatrixXd&)>& phi_z) {
  check_shapes(Q, K, V, phi.input_dim(), V.cols(), causal);
  if (k.size() != phi.dim())
    throw std::invalid_argument("k has " + std::to_string(k.size()) +
                                " entries but phi has r = " + std::to_string(phi.dim()));
  NtkResult out;
  out.T.resize(Q.rows(), V.cols());
  out.denominator.resize(Q.rows());
  out.prefix_share.resize(Q.rows());
  Eigen::VectorXd magnitude(Q.rows());
  // Fixed blocks of queries, one task each: the same arithmetic whatever the thread count.
  const Eigen::Index blocks = (Q.rows() + query_block - 1) / query_block;
  parallel_tasks(blocks, [&](Eigen::Index b) {
    const Eigen::Index first = b * query_block;
    const Eigen::Index n = std::min(query_block, Q.rows() - first);
    Eigen::MatrixXd A =
        input_scores_transposed(Q.middleRows(first, n), K, query_position(first, Q.rows(), K.rows()), causal);
    const Eigen::RowVectorXd M = A.colwise().maxCoeff();
    A = (A.rowwise() - M).array().exp();
    // exp(-M_i) scales row i of phi(Q); every finite factor cancels in D^{-1}(...).
    Eigen::MatrixXd F = phi.apply(Q.middleRows(first, n));
    F.array().colwise() *= (-M.transpose()).array().exp();
    const Eigen::VectorXd input = A.colwise().sum().transpose();
    const Eigen::VectorXd prefix = F * k;
    out.denominator.segment(first, n) = input + prefix;
    out.prefix_share.segment(first, n) = prefix.cwiseQuotient(input + prefix);
    magnitude.segment(first, n) = input + F.cwiseAbs() * k.cwiseAbs();
    out.T.middleRows(first, n) = A.transpose() * V + phi_z(F);
  });
  Eigen::Index non_finite_rows = 0;
  for (Eigen::Index i = 0; i < out.T.rows(); ++i) {
    const double D = out.denominator(i);
    if (std::isfinite(D) && D > 0.0) {
      out.T.row(i) /= D;
      non_finite_rows += !out.T.row(i).allFinite();
      out.min_denominator_ratio = std::min(out.min_denominator_ratio, D / magnitude(i));
      out.ill_conditioned_rows += D < denominator_cancellation_limit * magnitude(i);
    } else {
      out.T.row(i).setConstant(std::numeric_limits<double>::quiet_NaN());
      ++out.bad_rows;
      non_finite_rows += !std::isfinite(D);
    }
  }
  if (non_finite_rows > 0)
    out.status = Status::not_finite;
  else if (out.bad_rows > 0)
    out.status = Status::non_positive_denominator;
  else if (out.ill_conditioned_rows > 0)
    out.status = Status::ill_conditioned_denominator;
  return out;
}

}  // namespace

std::size_t state_bytes(const NtkParams& p) { return sizeof(double) * std::size_t(p.Z.size() + p.k.size()); }

CompressionConsumer::CompressionConsumer(const FeatureMap& phi, Eigen::Index value_dim, std::optional<FoldKey> key,
                                         Precision precision)
    : m_phi(phi), m_value_dim(value_dim), m_key(key), m_precision(precision) {}

NtkParams CompressionConsumer::initial() const {
  return {Eigen::MatrixXd::Zero(m_phi.dim(), m_value_dim), Eigen::VectorXd::Zero(m_phi.dim())};
}

void CompressionConsumer::add(NtkParams& s, Eigen::Index, const PrefixBlock& block) const {
  // Rows whose features phi(K_P) take about 1 MB, so that they are still in cache for Z and k.
  // (A chunk's features are made once for the whole chunk, shared with the NTK map's consumer,
  // when they fit; a row's features do not depend on the rows made with it.)
  const Eigen::Index rows = std::clamp<Eigen::Index>((Eigen::Index{1} << 20) / (8 * m_phi.dim()), 8, prefix_chunk_rows);
  Eigen::MatrixXd own;
  for (Eigen::Index first = 0; first < block.KP.rows(); first += rows) {
    const Eigen::Index count = std::min(rows, block.KP.rows() - first);
    const Eigen::MatrixXd& F = count == block.KP.rows() ? chunk_features(m_phi, block, own)
                                                        : (own = m_phi.apply(block.KP.middleRows(first, count)));
    if (m_precision == Precision::float32) {
      const Eigen::MatrixXf F32 = F.cast<float>();
      s.Z += (F32.transpose() * block.VP.middleRows(first, count).cast<float>()).cast<double>();
      s.k += F32.colwise().sum().transpose().cast<double>();
      continue;
    }
    s.Z.noalias() += F.transpose() * block.VP.middleRows(first, count);
    s.k += F.colwise().sum().transpose();
  }
  s.max_abs_value = std::max(s.max_abs_value, block.VP.cwiseAbs().maxCoeff());
}

void CompressionConsumer::append(NtkParams& total, const NtkParams& next) const {
  total.Z += next.Z;
  total.k += next.k;
  total.max_abs_value = std::max(total.max_abs_value, next.max_abs_value);
}

NtkParams compress_prefix(const PrefixSource& prefix, const FeatureMap& phi, const Progress& progress,
                          Precision precision) {
  if (prefix.dim() != phi.input_dim())
    throw std::invalid_argument("the prefix has width " + std::to_string(prefix.dim()) + " but phi expects " +
                                std::to_string(phi.input_dim()));
  const CompressionConsumer consumer(phi, prefix.value_dim(), {}, precision);
  PrefixPass pass = reduce_prefix(prefix, {&consumer}, progress);
  if (pass.status == Status::cancelled) {
    NtkParams out{Eigen::MatrixXd::Zero(phi.dim(), prefix.value_dim()), Eigen::VectorXd::Zero(phi.dim())};
    out.status = Status::cancelled;
    return out;
  }
  return std::move(CompressionConsumer::state(*pass.totals[0]));
}

NtkResult ntk_attention(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                        const Eigen::Ref<const Eigen::MatrixXd>& V, const FeatureMap& phi, const NtkParams& params,
                        bool causal, Precision precision) {
  if (params.Z.rows() != phi.dim() || params.Z.cols() != V.cols())
    throw std::invalid_argument("Z must be r x d_v = " + std::to_string(phi.dim()) + " x " + std::to_string(V.cols()));
  return evaluate(Q, K, V, phi, params.k, causal, [&](const Eigen::MatrixXd& F) -> Eigen::MatrixXd {
    if (precision == Precision::float32) return (F.cast<float>() * params.Z.cast<float>()).cast<double>();
    return F * params.Z;
  });
}

NtkResult ntk_attention(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                        const Eigen::Ref<const Eigen::MatrixXd>& V, const FeatureMap& phi, const LowRankZ& Z,
                        const Eigen::Ref<const Eigen::VectorXd>& k, bool causal) {
  if (Z.A.rows() != phi.dim() || Z.B.cols() != V.cols() || Z.A.cols() != Z.B.rows())
    throw std::invalid_argument("Z_A must be r x s and Z_B s x d_v");
  return evaluate(Q, K, V, phi, k, causal,
                  [&](const Eigen::MatrixXd& F) -> Eigen::MatrixXd { return (F * Z.A) * Z.B; });
}

LowRankZ truncate_rank(const Eigen::Ref<const Eigen::MatrixXd>& Z, Eigen::Index s) {
  const Eigen::Index full = std::min(Z.rows(), Z.cols());
  if (s < 1 || s > full)
    throw std::invalid_argument("the rank s must be between 1 and min(r, d_v) = " + std::to_string(full) + " (got " +
                                std::to_string(s) + ")");
  Eigen::BDCSVD<Eigen::MatrixXd> svd(Z, Eigen::ComputeThinU | Eigen::ComputeThinV);
  LowRankZ out;
  out.A = svd.matrixU().leftCols(s) * svd.singularValues().head(s).asDiagonal();
  out.B = svd.matrixV().leftCols(s).transpose();
  return out;
}

}  // namespace ntk::core
