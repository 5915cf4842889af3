#include "core/kernels/attention_map.h"

#include "core/kernels/prefix_attention.h"
#include "core/kernels/prefix_reduction.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>
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

// A map's prefix part over consecutive prefix keys: column c holds bin first + c.
struct BinnedColumns {
  Eigen::Index first = 0;
  Eigen::MatrixXd values;
};

std::size_t state_bytes(const BinnedColumns& b) { return sizeof(double) * std::size_t(b.values.size()); }

// A map's prefix part: prefix key j falls in bin j / width (width a power of two, so the bins of
// the first keys do not depend on m within an octave and the pass's folds can be cached). Each
// run of a block's keys in one bin gives one column (runs()), combined into its bin's column.
class BinningConsumer : public StateConsumer<BinnedColumns> {
 public:
  BinningConsumer(Eigen::Index rows, Eigen::Index width, double empty, std::string key)
      : m_rows(rows), m_width(width), m_empty(empty), m_key(std::move(key)) {}
  std::string cache_key() const override { return m_key; }

 protected:
  /// Keys [begin, end) of the block, one pair per run: rows x runs.
  virtual Eigen::MatrixXd runs(const PrefixBlock& block,
                               const std::vector<std::pair<Eigen::Index, Eigen::Index>>& runs) const = 0;
  /// into := into combined with more (a sum, or a log-sum-exp); `empty` is the identity.
  virtual void combine(Eigen::Ref<Eigen::VectorXd> into, const Eigen::Ref<const Eigen::VectorXd>& more) const = 0;

  BinnedColumns initial() const override { return {0, Eigen::MatrixXd(m_rows, 0)}; }

  void add(BinnedColumns& s, Eigen::Index first_row, const PrefixBlock& block) const override {
    const Eigen::Index count = block.KP.rows();
    if (count == 0) return;
    std::vector<std::pair<Eigen::Index, Eigen::Index>> spans;
    for (Eigen::Index j = 0; j < count;) {
      const Eigen::Index next = std::min(count, ((first_row + j) / m_width + 1) * m_width - first_row);
      spans.emplace_back(j, next);
      j = next;
    }
    const Eigen::MatrixXd C = runs(block, spans);
    if (s.values.cols() == 0) s.first = first_row / m_width;
    cover(s, (first_row + count - 1) / m_width);
    for (std::size_t k = 0; k < spans.size(); ++k)
      combine(s.values.col((first_row + spans[k].first) / m_width - s.first), C.col(Eigen::Index(k)));
  }

  void append(BinnedColumns& total, const BinnedColumns& next) const override {
    if (next.values.cols() == 0) return;
    if (total.values.cols() == 0) total.first = next.first;
    cover(total, next.first + next.values.cols() - 1);
    for (Eigen::Index c = 0; c < next.values.cols(); ++c)
      combine(total.values.col(next.first - total.first + c), next.values.col(c));
  }

 private:
  // Widens `b` so that it holds bin `last` (new columns are empty).
  void cover(BinnedColumns& b, Eigen::Index last) const {
    const Eigen::Index old = b.values.cols(), wanted = last - b.first + 1;
    if (wanted <= old) return;
    b.values.conservativeResize(Eigen::NoChange, wanted);
    b.values.rightCols(wanted - old).setConstant(m_empty);
  }

  Eigen::Index m_rows, m_width;
  double m_empty;
  std::string m_key;
};

// The exact map: per query and bin, log sum_{j in bin} exp(<q_i, k_j> / sqrt(d)), L x bins. In
// log space, so that it needs neither the final normaliser nor a running maximum: the weights
// are exp(this - log_normalizer_i) once the pass is done.
class ExactMapConsumer final : public BinningConsumer {
 public:
  ExactMapConsumer(const Eigen::Ref<const Eigen::MatrixXd>& Q, Eigen::Index width, std::string key)
      : BinningConsumer(Q.rows(), width, -std::numeric_limits<double>::infinity(), std::move(key)),
        m_Qs(Q / std::sqrt(double(Q.cols()))) {}

 protected:
  Eigen::MatrixXd runs(const PrefixBlock& block,
                       const std::vector<std::pair<Eigen::Index, Eigen::Index>>& spans) const override {
    Eigen::MatrixXd S = block.KP * m_Qs.transpose();  // keys x queries
    const Eigen::RowVectorXd top = S.colwise().maxCoeff();
    S.rowwise() -= top;
    S = S.array().exp();
    Eigen::MatrixXd out(m_Qs.rows(), Eigen::Index(spans.size()));
    for (std::size_t k = 0; k < spans.size(); ++k)
      out.col(Eigen::Index(k)) =
          S.middleRows(spans[k].first, spans[k].second - spans[k].first).colwise().sum().array().log().transpose() +
          top.transpose().array();
    return out;
  }

  void combine(Eigen::Ref<Eigen::VectorXd> into, const Eigen::Ref<const Eigen::VectorXd>& more) const override {
    for (Eigen::Index i = 0; i < into.size(); ++i) {
      const double a = into(i), b = more(i);
      if (b == -std::numeric_limits<double>::infinity()) continue;
      if (a == -std::numeric_limits<double>::infinity()) {
        into(i) = b;
        continue;
      }
      const double top = std::max(a, b);
      into(i) = top + std::log(std::exp(a - top) + std::exp(b - top));
    }
  }

 private:
  Eigen::MatrixXd m_Qs;
};

// The NTK map: per bin, the sum of the prefix features phi(K_P[j]), r x bins.
class FeatureMapConsumer final : public BinningConsumer {
 public:
  FeatureMapConsumer(const FeatureMap& phi, Eigen::Index width, std::string key)
      : BinningConsumer(phi.dim(), width, 0.0, std::move(key)), m_phi(phi) {}

 protected:
  Eigen::MatrixXd runs(const PrefixBlock& block,
                       const std::vector<std::pair<Eigen::Index, Eigen::Index>>& spans) const override {
    const Eigen::MatrixXd F = m_phi.apply(block.KP);  // keys x r
    Eigen::MatrixXd out(m_phi.dim(), Eigen::Index(spans.size()));
    for (std::size_t k = 0; k < spans.size(); ++k)
      out.col(Eigen::Index(k)) = F.middleRows(spans[k].first, spans[k].second - spans[k].first).colwise().sum().transpose();
    return out;
  }

  void combine(Eigen::Ref<Eigen::VectorXd> into, const Eigen::Ref<const Eigen::VectorXd>& more) const override {
    into += more;
  }

 private:
  const FeatureMap& m_phi;
};

// Checks the arguments and lays out the bins; `per_query` has one entry per query.
AttentionMap empty_map(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                       Eigen::Index m, const Eigen::Ref<const Eigen::VectorXd>& per_query,
                       Eigen::Index max_prefix_columns, Eigen::Index max_query_bins) {
  check_shapes(Q, K, K, Q.cols());
  if (max_query_bins < 0) throw std::invalid_argument("max_query_bins must be >= 0");
  if (per_query.size() != Q.rows()) throw std::invalid_argument("the normaliser must have one entry per query");
  AttentionMap map;
  const Eigen::Index width = prefix_bin_width(m, max_prefix_columns);
  map.prefix_bins = (m + width - 1) / width;
  map.keys_per_bin = double(width);
  map.query_bins = query_bin_count(Q.rows(), max_query_bins);
  map.queries_per_bin = map.query_bins > 0 ? double(Q.rows()) / double(map.query_bins) : 1.0;
  map.weights = Eigen::MatrixXd::Zero(map.query_bins, map.prefix_bins + map.query_bins);
  return map;
}

Bins query_bins(const AttentionMap& map, Eigen::Index L) { return {L, map.query_bins}; }

// The prefix columns of a pass's total: every bin, as the pass covered all m keys.
const Eigen::MatrixXd& prefix_columns(const BinnedColumns& total, Eigen::Index bins) {
  if (total.first != 0 || total.values.cols() != bins) throw std::logic_error("a map's prefix pass missed bins");
  return total.values;
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
  map.weights.leftCols(map.prefix_bins) =
      rows_binned((prefix_columns(total, map.prefix_bins).colwise() - log_normalizer).array().exp().matrix(),
                  query_bins(map, Q.rows()));
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
  // Per thread: a chunk's L x keys scores and the two maps' states (L + r) x bins.
  const double per_thread = n(L) * n(prefix_chunk_rows) + n(L + r) * n(prefix_bins);
  // The folded states; the input part: a block's scores and weights; the NTK map's phi(Q) and
  // both maps' unbinned prefix parts.
  const double finish = n(L + r) * n(prefix_bins) + 3.0 * n(query_block) * n(L) + n(L) * n(r + 2 * prefix_bins);
  const double maps = 2.0 * n(query_bins) * n(prefix_bins + query_bins);
  return sizeof(double) * (n(threads) * per_thread + finish + maps);
}

Eigen::Index prefix_bin_width(Eigen::Index m, Eigen::Index max_prefix_columns) {
  if (max_prefix_columns < 1) throw std::invalid_argument("max_prefix_columns must be >= 1");
  Eigen::Index width = 1;
  while ((m + width - 1) / width > max_prefix_columns) width *= 2;
  return width;
}

MapConsumers::MapConsumers(const Eigen::Ref<const Eigen::MatrixXd>& Q, const FeatureMap& phi, Eigen::Index m,
                           Eigen::Index max_prefix_columns, const std::string& exact_key,
                           const std::string& feature_key)
    : m_m(m), m_max_prefix_columns(max_prefix_columns) {
  const Eigen::Index width = prefix_bin_width(m, max_prefix_columns);
  const auto named = [&](const std::string& key) {
    return key.empty() ? key : key + " width=" + std::to_string(width);
  };
  m_exact = std::make_unique<ExactMapConsumer>(Q, width, named(exact_key));
  m_features = std::make_unique<FeatureMapConsumer>(phi, width, named(feature_key));
}

MapConsumers::~MapConsumers() = default;

AttentionMaps MapConsumers::finish(const PrefixPartial& exact, const PrefixPartial& features,
                                   const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                   const Eigen::Ref<const Eigen::MatrixXd>& K, const FeatureMap& phi, bool causal,
                                   const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                                   const Eigen::Ref<const Eigen::VectorXd>& denominator,
                                   Eigen::Index max_query_bins) const {
  AttentionMaps maps;
  maps.exact = empty_map(Q, K, m_m, log_normalizer, m_max_prefix_columns, max_query_bins);
  maps.ntk = empty_map(Q, K, m_m, denominator, m_max_prefix_columns, max_query_bins);
  finish_exact_map(maps.exact, ExactMapConsumer::state(exact), Q, K, causal, log_normalizer);
  finish_ntk_map(maps.ntk, FeatureMapConsumer::state(features), Q, K, phi, causal, denominator);
  return maps;
}

AttentionMaps attention_maps(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                             const Eigen::Ref<const Eigen::MatrixXd>& K, const PrefixSource& prefix,
                             const FeatureMap& phi, bool causal,
                             const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                             const Eigen::Ref<const Eigen::VectorXd>& denominator,
                             Eigen::Index max_prefix_columns, Eigen::Index max_query_bins,
                             const Progress& progress) {
  check_shapes(Q, K, K, prefix.dim());
  const MapConsumers consumers(Q, phi, prefix.rows(), max_prefix_columns);
  const PrefixPass pass = reduce_prefix(prefix, consumers.consumers(), progress);
  if (pass.status == Status::cancelled) return {{}, {}, Status::cancelled};
  return consumers.finish(*pass.totals[0], *pass.totals[1], Q, K, phi, causal, log_normalizer, denominator,
                          max_query_bins);
}

}  // namespace ntk::core
