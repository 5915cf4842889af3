#include "core/kernels/attention_map.h"

#include "core/kernels/prefix_attention.h"
#include "core/kernels/prefix_reduction.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

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

// A map's prefix part over consecutive prefix keys, as aligned nodes in key order: node k covers
// keys [start[k], start[k] + size[k]) (the last node may hold fewer) and its value is values.col(k).
// Columns past the node count are spare capacity, which a copy (a fold kept by the cache) drops.
struct BinNodes {
  explicit BinNodes(std::size_t rows) : values(Eigen::Index(rows), 0) {}
  BinNodes(const BinNodes& o) : start(o.start), size(o.size), values(o.values.leftCols(o.count())) {}
  BinNodes(BinNodes&&) = default;
  BinNodes& operator=(const BinNodes&) = delete;
  BinNodes& operator=(BinNodes&&) = default;

  std::vector<Eigen::Index> start, size;
  Eigen::MatrixXd values;
  Eigen::Index count() const { return Eigen::Index(start.size()); }
};

std::size_t state_bytes(const BinNodes& b) {
  return sizeof(double) * std::size_t(b.values.size()) + 2 * sizeof(Eigen::Index) * b.start.capacity();
}

// A map's prefix part: prefix key j falls in bin j / width (width a power of two, so the bins of
// the first keys do not depend on m within an octave and the pass's folds can be cached).
//
// Bins up to a chunk wide (prefix_chunk_rows keys) are computed from a block's keys at once
// (runs(): one column per run of keys in one bin). A wider bin is a binary tree over its aligned
// chunks: a node of 2s keys combines its two halves of s keys (a node whose keys end in its left
// half is that half). So a bin of width 2w combines two bins of width w, and when m crosses a
// power of two the folds of width w turn into those of width 2w (coarsened()) with the bits a
// pass from scratch gives, instead of the pass starting over.
class BinningConsumer : public StateConsumer<BinNodes> {
 public:
  BinningConsumer(Eigen::Index rows, Eigen::Index width, std::optional<FoldKey> key)
      : m_rows(rows), m_width(width), m_key(key) {}
  std::optional<FoldKey> cache_key() const override { return m_key; }
  Eigen::Index width() const { return m_width; }

  /// The fold of the same keys as `finer`, a fold of this consumer's kind at a finer width of at
  /// least a chunk (its nodes are nodes of this width's trees).
  std::unique_ptr<PrefixPartial> coarsened(const PrefixPartial& finer) const {
    auto out = start();
    const BinNodes& from = state(finer);
    for (Eigen::Index k = 0; k < from.count(); ++k)
      push(state(*out), from.start[std::size_t(k)], from.size[std::size_t(k)], from.values.col(k));
    return out;
  }

  /// One column per bin: each bin's nodes combined right to left. `total` covers bins [0, bin_count).
  Eigen::MatrixXd bins(const PrefixPartial& total, Eigen::Index bin_count) const {
    const BinNodes& b = state(total);
    if (b.count() == 0 ? bin_count != 0 : b.start.front() != 0 || b.start.back() / m_width != bin_count - 1)
      throw std::logic_error("a map's prefix pass missed bins");
    Eigen::MatrixXd out(m_rows, bin_count);
    for (Eigen::Index k = b.count() - 1; k >= 0; --k) {
      const Eigen::Index bin = b.start[std::size_t(k)] / m_width;
      if (k + 1 < b.count() && b.start[std::size_t(k + 1)] / m_width == bin) {  // not the bin's last node
        Eigen::VectorXd right = out.col(bin);
        out.col(bin) = b.values.col(k);
        combine(out.col(bin), right);
      } else {
        out.col(bin) = b.values.col(k);
      }
    }
    return out;
  }

 protected:
  /// Keys [begin, end) of the block, one pair per run: rows x runs.
  virtual Eigen::MatrixXd runs(const PrefixBlock& block,
                               const std::vector<std::pair<Eigen::Index, Eigen::Index>>& runs) const = 0;
  /// into := into combined with more, the keys right after into's (a sum, or a log-sum-exp).
  virtual void combine(Eigen::Ref<Eigen::VectorXd> into, const Eigen::Ref<const Eigen::VectorXd>& more) const = 0;

  BinNodes initial() const override { return BinNodes(std::size_t(m_rows)); }

  void add(BinNodes& s, Eigen::Index first_row, const PrefixBlock& block) const override {
    const Eigen::Index count = block.KP.rows();
    if (count == 0) return;
    const Eigen::Index node = std::min(m_width, prefix_chunk_rows);  // a block is one chunk, aligned
    std::vector<std::pair<Eigen::Index, Eigen::Index>> spans;
    for (Eigen::Index j = 0; j < count;) {
      const Eigen::Index next = std::min(count, ((first_row + j) / node + 1) * node - first_row);
      spans.emplace_back(j, next);
      j = next;
    }
    const Eigen::MatrixXd C = runs(block, spans);
    for (std::size_t k = 0; k < spans.size(); ++k) push(s, first_row + spans[k].first, node, C.col(Eigen::Index(k)));
  }

  void append(BinNodes& total, const BinNodes& next) const override {
    for (Eigen::Index k = 0; k < next.count(); ++k)
      push(total, next.start[std::size_t(k)], next.size[std::size_t(k)], next.values.col(k));
  }

 private:
  // Appends the node [start, start + size) and merges it with its left sibling while there is one
  // and the merged node is no wider than a bin (and at least two chunks wide).
  void push(BinNodes& s, Eigen::Index start, Eigen::Index size, const Eigen::Ref<const Eigen::VectorXd>& value) const {
    Eigen::VectorXd v = value;
    while (!s.start.empty()) {
      const Eigen::Index k = s.count() - 1, left = s.start.back();
      if (s.size.back() != size || size < prefix_chunk_rows || 2 * size > m_width || left % (2 * size) != 0 ||
          left + size != start)
        break;
      Eigen::VectorXd merged = s.values.col(k);
      combine(merged, v);
      v = std::move(merged);
      start = left;
      size *= 2;
      s.start.pop_back();
      s.size.pop_back();
    }
    if (s.count() == s.values.cols())
      s.values.conservativeResize(Eigen::NoChange, std::max<Eigen::Index>(4, 2 * s.count()));
    s.values.col(s.count()) = v;
    s.start.push_back(start);
    s.size.push_back(size);
  }

  Eigen::Index m_rows, m_width;
  std::optional<FoldKey> m_key;
};

// The exact map: per query and bin, log sum_{j in bin} exp(<q_i, k_j> / sqrt(d)), L x bins. In
// log space, so that it needs neither the final normaliser nor a running maximum: the weights
// are exp(this - log_normalizer_i) once the pass is done.
class ExactMapConsumer final : public BinningConsumer {
 public:
  ExactMapConsumer(const Eigen::Ref<const Eigen::MatrixXd>& Q, Eigen::Index width, std::optional<FoldKey> key)
      : BinningConsumer(Q.rows(), width, key), m_Qs(Q / std::sqrt(double(Q.cols()))) {}

 protected:
  bool uses_scores() const override { return true; }

  Eigen::MatrixXd runs(const PrefixBlock& block,
                       const std::vector<std::pair<Eigen::Index, Eigen::Index>>& spans) const override {
    ChunkScores own;
    ChunkScores& scores = block.scores ? *block.scores : own;
    scores.of(m_Qs, block.KP);
    const Eigen::MatrixXd& E = scores.exponentials();  // keys x queries
    Eigen::MatrixXd out(m_Qs.rows(), Eigen::Index(spans.size()));
    for (std::size_t k = 0; k < spans.size(); ++k)
      out.col(Eigen::Index(k)) =
          E.middleRows(spans[k].first, spans[k].second - spans[k].first).colwise().sum().array().log().transpose() +
          scores.top().array();
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
  FeatureMapConsumer(const FeatureMap& phi, Eigen::Index width, std::optional<FoldKey> key)
      : BinningConsumer(phi.dim(), width, key), m_phi(phi) {}

 protected:
  Eigen::MatrixXd runs(const PrefixBlock& block,
                       const std::vector<std::pair<Eigen::Index, Eigen::Index>>& spans) const override {
    Eigen::MatrixXd own;
    const Eigen::MatrixXd& F = chunk_features(m_phi, block, own);  // keys x r
    Eigen::MatrixXd out(m_phi.dim(), Eigen::Index(spans.size()));
    for (std::size_t k = 0; k < spans.size(); ++k)
      out.col(Eigen::Index(k)) =
          F.middleRows(spans[k].first, spans[k].second - spans[k].first).colwise().sum().transpose();
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
  check_shapes(Q, K, K, Q.cols(), K.cols(), false);
  if (max_query_bins < 0) throw std::invalid_argument("max_query_bins must be >= 0");
  if (per_query.size() != Q.rows()) throw std::invalid_argument("the normaliser must have one entry per query");
  AttentionMap map;
  const Eigen::Index width = prefix_bin_width(m, max_prefix_columns);
  map.prefix_bins = (m + width - 1) / width;
  map.keys_per_bin = double(width);
  map.query_bins = query_bin_count(Q.rows(), max_query_bins);
  map.queries_per_bin = double(Q.rows()) / double(map.query_bins);
  map.input_bins = query_bin_count(K.rows(), max_query_bins);
  map.inputs_per_bin = double(K.rows()) / double(map.input_bins);
  map.weights = Eigen::MatrixXd::Zero(map.query_bins, map.prefix_bins + map.input_bins);
  return map;
}

Bins query_bins(const AttentionMap& map, Eigen::Index n) { return {n, map.query_bins}; }

constexpr Eigen::Index query_block = 256;  // queries whose input weights are made at once

// The input-key columns of a map, a block of queries at a time: weights(S^T, first) turns the
// block's transposed scores (keys x queries, from query `first`) into its weights; keys and
// queries are summed per bin, so the n x L weights are never held.
template <class Weights>
void set_input_columns(AttentionMap& map, const Eigen::Ref<const Eigen::MatrixXd>& Q,
                       const Eigen::Ref<const Eigen::MatrixXd>& K, bool causal, const Weights& weights) {
  const Eigen::Index n = Q.rows(), L = K.rows();
  const Bins queries = query_bins(map, n), keys{L, map.input_bins};
  Eigen::MatrixXd input = Eigen::MatrixXd::Zero(map.query_bins, map.input_bins);
  for (Eigen::Index first = 0; first < n; first += query_block) {
    const Eigen::Index count = std::min(query_block, n - first);
    const Eigen::MatrixXd W =
        weights(input_scores_transposed(Q.middleRows(first, count), K, query_position(first, n, L), causal), first);
    add_rows_binned(input, rows_binned(W, keys).transpose(), first, queries);
  }
  map.weights.rightCols(map.input_bins) = input;
}

// Divides each row's sums by its number of queries: a row of the map is a mean weight row.
void average_query_bins(AttentionMap& map, Eigen::Index n) {
  const Bins bins = query_bins(map, n);
  if (bins.identity()) return;
  Eigen::VectorXd per_bin = Eigen::VectorXd::Zero(map.query_bins);
  for (Eigen::Index i = 0; i < n; ++i) per_bin(bins.of(i)) += 1;
  map.weights.array().colwise() /= per_bin.array();
}

// `prefix`: the map's prefix part, one column per bin (BinningConsumer::bins).
void finish_exact_map(AttentionMap& map, const Eigen::MatrixXd& prefix, const Eigen::Ref<const Eigen::MatrixXd>& Q,
                      const Eigen::Ref<const Eigen::MatrixXd>& K, bool causal,
                      const Eigen::Ref<const Eigen::VectorXd>& log_normalizer) {
  map.weights.leftCols(map.prefix_bins) =
      rows_binned((prefix.colwise() - log_normalizer).array().exp().matrix(), query_bins(map, Q.rows()));
  set_input_columns(map, Q, K, causal, [&](const Eigen::MatrixXd& St, Eigen::Index first) -> Eigen::MatrixXd {
    return (St.rowwise() - log_normalizer.segment(first, St.cols()).transpose()).array().exp().matrix();
  });
  average_query_bins(map, Q.rows());
}

void finish_ntk_map(AttentionMap& map, const Eigen::MatrixXd& prefix, const Eigen::Ref<const Eigen::MatrixXd>& Q,
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
      rows_binned(((phi.apply(Q) * prefix).array().colwise() * scale).matrix(), query_bins(map, Q.rows()));
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

namespace {

const BinningConsumer& binning(const PrefixConsumer& c) { return static_cast<const BinningConsumer&>(c); }

}  // namespace

MapConsumers::MapConsumers(const Eigen::Ref<const Eigen::MatrixXd>& Q, const FeatureMap& phi, Eigen::Index m,
                           Eigen::Index max_prefix_columns, const std::optional<FoldKey>& exact_key,
                           const std::optional<FoldKey>& feature_key)
    : m_m(m), m_max_prefix_columns(max_prefix_columns), m_exact_key(exact_key), m_feature_key(feature_key) {
  const Eigen::Index width = prefix_bin_width(m, max_prefix_columns);
  m_exact = std::make_unique<ExactMapConsumer>(Q, width, key_at(exact_key, width));
  m_features = std::make_unique<FeatureMapConsumer>(phi, width, key_at(feature_key, width));
}

MapConsumers::~MapConsumers() = default;

std::optional<FoldKey> MapConsumers::key_at(std::optional<FoldKey> key, Eigen::Index width) {
  if (key) key->width = width;
  return key;
}

void MapConsumers::coarsen_cached_folds(PrefixFoldCache& cache, Eigen::Index segments) const {
  for (const auto& [consumer, key] :
       {std::pair{m_exact.get(), &m_exact_key}, std::pair{m_features.get(), &m_feature_key}}) {
    if (!*key) continue;
    const BinningConsumer& target = binning(*consumer);
    const FoldKey own = *target.cache_key();
    const Eigen::Index held = cache.find(own, segments).first;
    // The longest fold at a finer width of whole chunks (whose nodes are those of this width's
    // trees), if longer than the one held at this width.
    std::pair<Eigen::Index, const PrefixPartial*> best{held, nullptr};
    for (Eigen::Index finer = target.width() / 2; finer >= prefix_chunk_rows; finer /= 2) {
      const auto found = cache.find(*key_at(*key, finer), segments);
      if (found.first > best.first) best = found;
    }
    if (best.second) cache.store(own, best.first, target.coarsened(*best.second));
  }
}

AttentionMaps MapConsumers::finish(const PrefixPartial& exact, const PrefixPartial& features,
                                   const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                   const Eigen::Ref<const Eigen::MatrixXd>& K, const FeatureMap& phi, bool causal,
                                   const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                                   const Eigen::Ref<const Eigen::VectorXd>& denominator,
                                   Eigen::Index max_query_bins) const {
  AttentionMaps maps;
  maps.exact = empty_map(Q, K, m_m, log_normalizer, m_max_prefix_columns, max_query_bins);
  maps.ntk = empty_map(Q, K, m_m, denominator, m_max_prefix_columns, max_query_bins);
  finish_exact_map(maps.exact, binning(*m_exact).bins(exact, maps.exact.prefix_bins), Q, K, causal, log_normalizer);
  finish_ntk_map(maps.ntk, binning(*m_features).bins(features, maps.ntk.prefix_bins), Q, K, phi, causal, denominator);
  return maps;
}

AttentionMaps attention_maps(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                             const PrefixSource& prefix, const FeatureMap& phi, bool causal,
                             const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                             const Eigen::Ref<const Eigen::VectorXd>& denominator, Eigen::Index max_prefix_columns,
                             Eigen::Index max_query_bins, const Progress& progress) {
  check_shapes(Q, K, K, prefix.dim(), K.cols(), causal);
  const MapConsumers consumers(Q, phi, prefix.rows(), max_prefix_columns);
  const PrefixPass pass = reduce_prefix(prefix, consumers.consumers(), progress);
  if (pass.status == Status::cancelled) return {{}, {}, Status::cancelled};
  return consumers.finish(*pass.totals[0], *pass.totals[1], Q, K, phi, causal, log_normalizer, denominator,
                          max_query_bins);
}

}  // namespace ntk::core
