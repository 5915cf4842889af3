#include "core/kernels/attention_map.h"

#include "core/kernels/prefix_attention.h"
#include "core/kernels/prefix_reduction.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ntk::core {
namespace {

// Index i of n falls in bin floor(i * bins / n): consecutive, as equal as integers allow.
struct Bins {
  Eigen::Index n = 0, bins = 0;
  Eigen::Index of(Eigen::Index i) const { return i * bins / n; }
  bool identity() const { return bins == n; }
};

// Sums the rows of X (rows first, first + X.rows() of the binned axis) into the rows of `out`.
void add_rows_binned(Eigen::MatrixXd& out, const Eigen::Ref<const Eigen::MatrixXd>& X, Eigen::Index first,
                     const Bins& bins) {
  for (Eigen::Index j = 0; j < X.cols(); ++j)
    for (Eigen::Index i = 0; i < X.rows(); ++i) out(bins.of(first + i), j) += X(i, j);
}

// X with its rows summed per bin (bins.n == X.rows()).
Eigen::MatrixXd rows_binned(Eigen::MatrixXd X, const Bins& bins) {
  if (bins.identity()) return X;
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(bins.bins, X.cols());
  add_rows_binned(out, X, 0, bins);
  return out;
}

// X with its columns summed per bin (bins.n == X.cols()).
Eigen::MatrixXd columns_binned(Eigen::MatrixXd X, const Bins& bins) {
  if (bins.identity()) return X;
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(X.rows(), bins.bins);
  for (Eigen::Index j = 0; j < X.cols(); ++j) out.col(bins.of(j)) += X.col(j);
  return out;
}

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

// A map's prefix part: each prefix key's row of some quantity (per_key()), summed per bin into
// the columns of the state.
class BinningConsumer : public StateConsumer<BinnedColumns> {
 public:
  BinningConsumer(Eigen::Index rows, Eigen::Index m, Eigen::Index bins) : m_rows(rows), m_keys{m, bins} {}

 protected:
  virtual Eigen::MatrixXd per_key(const PrefixBlock& block) const = 0;  ///< keys x m_rows

  BinnedColumns initial() const override { return {0, Eigen::MatrixXd(m_rows, 0)}; }

  void add(BinnedColumns& s, Eigen::Index first_row, const PrefixBlock& block) const override {
    const Eigen::MatrixXd C = per_key(block);
    const Eigen::Index count = C.rows();
    if (s.values.cols() == 0) s.first = m_keys.of(first_row);
    cover(s, m_keys.of(first_row + count - 1));
    // Keys of one bin are consecutive: each run of them is added as one block.
    for (Eigen::Index j = 0; j < count;) {
      const Eigen::Index b = m_keys.of(first_row + j);
      Eigen::Index next = j + 1;
      while (next < count && m_keys.of(first_row + next) == b) ++next;
      s.values.col(b - s.first) += C.middleRows(j, next - j).colwise().sum().transpose();
      j = next;
    }
  }

  void append(BinnedColumns& total, const BinnedColumns& next) const override {
    if (next.values.cols() == 0) return;
    cover(total, next.first + next.values.cols() - 1);
    total.values.middleCols(next.first - total.first, next.values.cols()) += next.values;
  }

 private:
  Eigen::Index m_rows;
  Bins m_keys;
};

// Exact softmax weights exp(<q_i, k_j> / sqrt(d) - log_normalizer_i), summed per query bin:
// keys x query_bins.
class ExactMapConsumer final : public BinningConsumer {
 public:
  ExactMapConsumer(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                   Eigen::Index m, Eigen::Index bins, const Bins& queries)
      : BinningConsumer(queries.bins, m, bins), m_Qs(Q / std::sqrt(double(Q.cols()))),
        m_log_normalizer(log_normalizer.transpose()), m_queries(queries) {}

 protected:
  Eigen::MatrixXd per_key(const PrefixBlock& block) const override {
    Eigen::MatrixXd W = block.KP * m_Qs.transpose();  // keys x queries
    W.rowwise() -= m_log_normalizer;
    W = W.array().exp();
    return columns_binned(std::move(W), m_queries);
  }

 private:
  Eigen::MatrixXd m_Qs;
  Eigen::RowVectorXd m_log_normalizer;
  Bins m_queries;
};

// The prefix features phi(K_P[j]), keys x r.
class FeatureMapConsumer final : public BinningConsumer {
 public:
  FeatureMapConsumer(const FeatureMap& phi, Eigen::Index m, Eigen::Index bins)
      : BinningConsumer(phi.dim(), m, bins), m_phi(phi) {}

 protected:
  Eigen::MatrixXd per_key(const PrefixBlock& block) const override { return m_phi.apply(block.KP); }

 private:
  const FeatureMap& m_phi;
};

// Checks the arguments and lays out the bins; `per_query` has one entry per query.
AttentionMap empty_map(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                       const PrefixSource& prefix, const Eigen::Ref<const Eigen::VectorXd>& per_query,
                       Eigen::Index max_prefix_columns, Eigen::Index max_query_bins) {
  check_shapes(Q, K, K, prefix.dim());
  if (max_prefix_columns < 1) throw std::invalid_argument("max_prefix_columns must be >= 1");
  if (max_query_bins < 0) throw std::invalid_argument("max_query_bins must be >= 0");
  if (per_query.size() != Q.rows()) throw std::invalid_argument("the normaliser must have one entry per query");
  AttentionMap map;
  map.prefix_bins = std::min(prefix.rows(), max_prefix_columns);
  map.keys_per_bin = map.prefix_bins > 0 ? double(prefix.rows()) / double(map.prefix_bins) : 1.0;
  map.query_bins = query_bin_count(Q.rows(), max_query_bins);
  map.queries_per_bin = map.query_bins > 0 ? double(Q.rows()) / double(map.query_bins) : 1.0;
  map.weights = Eigen::MatrixXd::Zero(map.query_bins, map.prefix_bins + map.query_bins);
  return map;
}

Bins query_bins(const AttentionMap& map, Eigen::Index L) { return {L, map.query_bins}; }

// The prefix columns of a pass's total (it may stop short of the last bins: they stay zero).
Eigen::MatrixXd prefix_columns(const BinnedColumns& total, Eigen::Index bins) {
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(total.values.rows(), bins);
  out.leftCols(total.values.cols()) = total.values;
  return out;
}

constexpr Eigen::Index query_block = 256;  // queries whose input weights are made at once

// The input-key columns of a map, a block of queries at a time: weights(S^T, first) turns the
// block's transposed scores (keys x queries, from query `first`) into its weights; keys and
// queries are summed per bin, so the L x L weights are never held.
template <class Weights>
void set_input_columns(AttentionMap& map, const Eigen::Ref<const Eigen::MatrixXd>& Q,
                       const Eigen::Ref<const Eigen::MatrixXd>& K, bool causal, const Weights& weights) {
  const Eigen::Index L = Q.rows();
  const Bins bins = query_bins(map, L);
  Eigen::MatrixXd input = Eigen::MatrixXd::Zero(map.query_bins, map.query_bins);
  for (Eigen::Index first = 0; first < L; first += query_block) {
    const Eigen::Index count = std::min(query_block, L - first);
    const Eigen::MatrixXd W = weights(input_scores_transposed(Q.middleRows(first, count), K, first, causal), first);
    add_rows_binned(input, rows_binned(W, bins).transpose(), first, bins);
  }
  map.weights.rightCols(map.query_bins) = input;
}

// Divides each row's sums by its number of queries: a row of the map is a mean weight row.
void average_query_bins(AttentionMap& map, Eigen::Index L) {
  const Bins bins = query_bins(map, L);
  if (bins.identity()) return;
  Eigen::VectorXd per_bin = Eigen::VectorXd::Zero(map.query_bins);
  for (Eigen::Index i = 0; i < L; ++i) per_bin(bins.of(i)) += 1;
  map.weights.array().colwise() /= per_bin.array();
}

void finish_exact_map(AttentionMap& map, const BinnedColumns& total, const Eigen::Ref<const Eigen::MatrixXd>& Q,
                      const Eigen::Ref<const Eigen::MatrixXd>& K, bool causal,
                      const Eigen::Ref<const Eigen::VectorXd>& log_normalizer) {
  map.weights.leftCols(map.prefix_bins) = prefix_columns(total, map.prefix_bins);
  set_input_columns(map, Q, K, causal, [&](const Eigen::MatrixXd& St, Eigen::Index first) -> Eigen::MatrixXd {
    return (St.rowwise() - log_normalizer.segment(first, St.cols()).transpose()).array().exp().matrix();
  });
  average_query_bins(map, Q.rows());
}

void finish_ntk_map(AttentionMap& map, const BinnedColumns& total, const Eigen::Ref<const Eigen::MatrixXd>& Q,
                    const Eigen::Ref<const Eigen::MatrixXd>& K, const FeatureMap& phi, bool causal,
                    const Eigen::Ref<const Eigen::VectorXd>& denominator) {
  // Input weights exp(S_ij - M_i) / D_i, M_i the row maximum of the input scores; the prefix
  // part's factor exp(-M_i) / D_i is kept per query as the blocks pass.
  Eigen::ArrayXd scale(Q.rows());
  set_input_columns(map, Q, K, causal, [&](const Eigen::MatrixXd& St, Eigen::Index first) -> Eigen::MatrixXd {
    const Eigen::RowVectorXd M = St.colwise().maxCoeff();
    const Eigen::ArrayXd D = denominator.segment(first, St.cols()).array();
    scale.segment(first, St.cols()) = (-M.transpose().array()).exp() / D;
    return ((St.rowwise() - M).array().exp().rowwise() / D.transpose()).matrix();
  });
  map.weights.leftCols(map.prefix_bins) =
      rows_binned(((phi.apply(Q) * prefix_columns(total, map.prefix_bins)).array().colwise() * scale).matrix(),
                  query_bins(map, Q.rows()));
  average_query_bins(map, Q.rows());
}

}  // namespace

double attention_maps_bytes(Eigen::Index L, Eigen::Index r, Eigen::Index prefix_bins, Eigen::Index query_bins,
                            int threads) {
  const auto n = [](Eigen::Index v) { return double(v); };
  // Per thread: a chunk's L x keys weights and a segment's binned state of each map.
  const double per_thread = n(L) * n(prefix_chunk_rows) + n(query_bins + r) * n(prefix_bins);
  // The input part: a block's scores and weights; the NTK map's phi(Q) and its prefix part.
  const double finish = 3.0 * n(query_block) * n(L) + n(L) * n(r + prefix_bins);
  const double maps = 2.0 * n(query_bins) * n(prefix_bins + query_bins);
  return sizeof(double) * (n(threads) * per_thread + finish + maps);
}

AttentionMap exact_attention_map(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                 const Eigen::Ref<const Eigen::MatrixXd>& K, const PrefixSource& prefix, bool causal,
                                 const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                                 Eigen::Index max_prefix_columns, Eigen::Index max_query_bins) {
  AttentionMap map = empty_map(Q, K, prefix, log_normalizer, max_prefix_columns, max_query_bins);
  const ExactMapConsumer consumer(Q, log_normalizer, prefix.rows(), map.prefix_bins, query_bins(map, Q.rows()));
  const PrefixPass pass = reduce_prefix(prefix, {&consumer});
  finish_exact_map(map, ExactMapConsumer::state(*pass.totals[0]), Q, K, causal, log_normalizer);
  return map;
}

AttentionMap ntk_attention_map(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                               const Eigen::Ref<const Eigen::MatrixXd>& K, const PrefixSource& prefix,
                               const FeatureMap& phi, bool causal,
                               const Eigen::Ref<const Eigen::VectorXd>& denominator,
                               Eigen::Index max_prefix_columns, Eigen::Index max_query_bins) {
  AttentionMap map = empty_map(Q, K, prefix, denominator, max_prefix_columns, max_query_bins);
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
                             Eigen::Index max_prefix_columns, Eigen::Index max_query_bins,
                             const Progress& progress) {
  AttentionMaps maps;
  maps.exact = empty_map(Q, K, prefix, log_normalizer, max_prefix_columns, max_query_bins);
  maps.ntk = empty_map(Q, K, prefix, denominator, max_prefix_columns, max_query_bins);
  const ExactMapConsumer exact(Q, log_normalizer, prefix.rows(), maps.exact.prefix_bins,
                               query_bins(maps.exact, Q.rows()));
  const FeatureMapConsumer features(phi, prefix.rows(), maps.ntk.prefix_bins);
  const PrefixPass pass = reduce_prefix(prefix, {&exact, &features}, progress);
  if (pass.status == Status::cancelled) return {{}, {}, Status::cancelled};
  finish_exact_map(maps.exact, ExactMapConsumer::state(*pass.totals[0]), Q, K, causal, log_normalizer);
  finish_ntk_map(maps.ntk, FeatureMapConsumer::state(*pass.totals[1]), Q, K, phi, causal, denominator);
  return maps;
}

}  // namespace ntk::core
