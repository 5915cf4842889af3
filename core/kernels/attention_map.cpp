#include "core/kernels/attention_map.h"

#include "core/kernels/prefix_attention.h"
#include "core/kernels/prefix_reduction.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ntk::core {
namespace {

// Per-bin column sums over consecutive prefix keys: column c holds bin first + c.
struct BinnedColumns {
  Eigen::Index first = 0;
  Eigen::MatrixXd values;
};

std::size_t state_bytes(const BinnedColumns& b) { return sizeof(double) * std::size_t(b.values.size()); }

// Widens `b` so that it holds bin `last` (new columns are zero).
void cover(BinnedColumns& b, Eigen::Index last) {
  const Eigen::Index old = b.values.cols(), wanted = last - b.first + 1;
  if (wanted <= old) return;
  b.values.conservativeResize(Eigen::NoChange, wanted);
  b.values.rightCols(wanted - old).setZero();
}

// A map's prefix part: each prefix key's column of some quantity (columns()), summed per bin.
class BinningConsumer : public StateConsumer<BinnedColumns> {
 public:
  BinningConsumer(Eigen::Index rows, Eigen::Index m, Eigen::Index bins) : m_rows(rows), m_m(m), m_bins(bins) {}

 protected:
  virtual Eigen::MatrixXd columns(const PrefixBlock& block) const = 0;  ///< m_rows x keys

  BinnedColumns initial() const override { return {0, Eigen::MatrixXd(m_rows, 0)}; }

  void add(BinnedColumns& s, Eigen::Index first_row, const PrefixBlock& block) const override {
    const Eigen::MatrixXd C = columns(block);
    const Eigen::Index count = C.cols();
    if (s.values.cols() == 0) s.first = bin(first_row);
    cover(s, bin(first_row + count - 1));
    // Keys of one bin are consecutive: each run of them is added as one block.
    for (Eigen::Index j = 0; j < count;) {
      const Eigen::Index b = bin(first_row + j);
      Eigen::Index next = j + 1;
      while (next < count && bin(first_row + next) == b) ++next;
      s.values.col(b - s.first) += C.middleCols(j, next - j).rowwise().sum();
      j = next;
    }
  }

  void append(BinnedColumns& total, const BinnedColumns& next) const override {
    if (next.values.cols() == 0) return;
    cover(total, next.first + next.values.cols() - 1);
    total.values.middleCols(next.first - total.first, next.values.cols()) += next.values;
  }

 private:
  Eigen::Index bin(Eigen::Index key) const { return key * m_bins / m_m; }

  Eigen::Index m_rows, m_m, m_bins;
};

// Exact softmax weights exp(<q_i, k_j> / sqrt(d) - log_normalizer_i), L x keys.
class ExactMapConsumer final : public BinningConsumer {
 public:
  ExactMapConsumer(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                   Eigen::Index m, Eigen::Index bins)
      : BinningConsumer(Q.rows(), m, bins), m_Qs(Q / std::sqrt(double(Q.cols()))), m_log_normalizer(log_normalizer) {}

 protected:
  Eigen::MatrixXd columns(const PrefixBlock& block) const override {
    return ((m_Qs * block.KP.transpose()).colwise() - m_log_normalizer).array().exp().matrix();
  }

 private:
  Eigen::MatrixXd m_Qs;
  Eigen::VectorXd m_log_normalizer;
};

// The prefix features phi(K_P[j]), r x keys.
class FeatureMapConsumer final : public BinningConsumer {
 public:
  FeatureMapConsumer(const FeatureMap& phi, Eigen::Index m, Eigen::Index bins)
      : BinningConsumer(phi.dim(), m, bins), m_phi(phi) {}

 protected:
  Eigen::MatrixXd columns(const PrefixBlock& block) const override { return m_phi.apply(block.KP).transpose(); }

 private:
  const FeatureMap& m_phi;
};

// Checks the arguments and lays out the bins; `per_query` has one entry per query.
AttentionMap empty_map(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                       const PrefixSource& prefix, const Eigen::Ref<const Eigen::VectorXd>& per_query,
                       Eigen::Index max_prefix_columns) {
  check_shapes(Q, K, K, prefix.dim());
  if (max_prefix_columns < 1) throw std::invalid_argument("max_prefix_columns must be >= 1");
  if (per_query.size() != Q.rows()) throw std::invalid_argument("the normaliser must have one entry per query");
  AttentionMap map;
  map.prefix_bins = std::min(prefix.rows(), max_prefix_columns);
  map.keys_per_bin = map.prefix_bins > 0 ? double(prefix.rows()) / double(map.prefix_bins) : 1.0;
  map.weights = Eigen::MatrixXd::Zero(Q.rows(), map.prefix_bins + Q.rows());
  return map;
}

// The prefix columns of a pass's total (it may stop short of the last bins: they stay zero).
Eigen::MatrixXd prefix_columns(const BinnedColumns& total, Eigen::Index bins) {
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(total.values.rows(), bins);
  out.leftCols(total.values.cols()) = total.values;
  return out;
}

void finish_exact_map(AttentionMap& map, const BinnedColumns& total, const Eigen::Ref<const Eigen::MatrixXd>& Q,
                      const Eigen::Ref<const Eigen::MatrixXd>& K, bool causal,
                      const Eigen::Ref<const Eigen::VectorXd>& log_normalizer) {
  map.weights.leftCols(map.prefix_bins) = prefix_columns(total, map.prefix_bins);
  const Eigen::MatrixXd S = input_scores_transposed(Q, K, 0, causal).transpose();
  map.weights.rightCols(Q.rows()) = (S.colwise() - log_normalizer).array().exp().matrix();
}

void finish_ntk_map(AttentionMap& map, const BinnedColumns& total, const Eigen::Ref<const Eigen::MatrixXd>& Q,
                    const Eigen::Ref<const Eigen::MatrixXd>& K, const FeatureMap& phi, bool causal,
                    const Eigen::Ref<const Eigen::VectorXd>& denominator) {
  const Eigen::MatrixXd S = input_scores_transposed(Q, K, 0, causal).transpose();  // L x L
  const Eigen::VectorXd M = S.rowwise().maxCoeff();
  const Eigen::ArrayXd scale = (-M.array()).exp() / denominator.array();
  map.weights.leftCols(map.prefix_bins) =
      ((phi.apply(Q) * prefix_columns(total, map.prefix_bins)).array().colwise() * scale).matrix();
  map.weights.rightCols(Q.rows()) = ((S.colwise() - M).array().exp().colwise() / denominator.array()).matrix();
}

}  // namespace

AttentionMap exact_attention_map(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                 const Eigen::Ref<const Eigen::MatrixXd>& K, const PrefixSource& prefix, bool causal,
                                 const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                                 Eigen::Index max_prefix_columns) {
  AttentionMap map = empty_map(Q, K, prefix, log_normalizer, max_prefix_columns);
  const ExactMapConsumer consumer(Q, log_normalizer, prefix.rows(), map.prefix_bins);
  const PrefixPass pass = reduce_prefix(prefix, {&consumer});
  finish_exact_map(map, ExactMapConsumer::state(*pass.totals[0]), Q, K, causal, log_normalizer);
  return map;
}

AttentionMap ntk_attention_map(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                               const Eigen::Ref<const Eigen::MatrixXd>& K, const PrefixSource& prefix,
                               const FeatureMap& phi, bool causal,
                               const Eigen::Ref<const Eigen::VectorXd>& denominator,
                               Eigen::Index max_prefix_columns) {
  AttentionMap map = empty_map(Q, K, prefix, denominator, max_prefix_columns);
  const FeatureMapConsumer consumer(phi, prefix.rows(), map.prefix_bins);
  const PrefixPass pass = reduce_prefix(prefix, {&consumer});
  finish_ntk_map(map, FeatureMapConsumer::state(*pass.totals[0]), Q, K, phi, causal, denominator);
  return map;
}

AttentionMaps attention_maps(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                             const Eigen::Ref<const Eigen::MatrixXd>& K, const PrefixSource& prefix,
                             const FeatureMap& phi, bool causal,
                             const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                             const Eigen::Ref<const Eigen::VectorXd>& denominator,
                             Eigen::Index max_prefix_columns, const Progress& progress) {
  AttentionMaps maps;
  maps.exact = empty_map(Q, K, prefix, log_normalizer, max_prefix_columns);
  maps.ntk = empty_map(Q, K, prefix, denominator, max_prefix_columns);
  const ExactMapConsumer exact(Q, log_normalizer, prefix.rows(), maps.exact.prefix_bins);
  const FeatureMapConsumer features(phi, prefix.rows(), maps.ntk.prefix_bins);
  const PrefixPass pass = reduce_prefix(prefix, {&exact, &features}, progress);
  if (pass.status == Status::cancelled) return {{}, {}, Status::cancelled};
  finish_exact_map(maps.exact, ExactMapConsumer::state(*pass.totals[0]), Q, K, causal, log_normalizer);
  finish_ntk_map(maps.ntk, FeatureMapConsumer::state(*pass.totals[1]), Q, K, phi, causal, denominator);
  return maps;
}

}  // namespace ntk::core
