#pragma once
// The one pass over a prefix that exact attention, the compression into Z and k, and the
// attention maps share (method.md sections 2 and 3). The prefix is cut into segments of
// prefix_segment_rows rows, a constant: the layout never depends on m or on the thread count.
// Each segment is streamed chunk by chunk; each chunk is drawn (or read) once and handed to every
// consumer, and the consumers' per-segment partials are folded left to right in segment order.
// So every thread count gives the same bits, and the fold of the first k segments is the same
// whatever m is: PrefixFoldCache keeps those folds (for the first 16 segments, then 8 per octave,
// and the pass's last), so that a change of m computes only the segments past the nearest fold
// and still gives the bits of a computation from scratch.

#include "core/kernels/feature_map.h"
#include "core/kernels/fold_key.h"
#include "core/kernels/online_softmax.h"
#include "core/util/progress.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ntk::core {

inline constexpr Eigen::Index prefix_chunk_rows = 256;     ///< rows drawn and consumed at once
inline constexpr Eigen::Index prefix_segment_rows = 2048;  ///< rows per segment (8 chunks)

/// The features phi(K_P) of one chunk, made by the first consumer that asks (the compression and
/// the NTK map both need them) and reused by the others. One per worker, reset for every chunk.
class ChunkFeatures {
 public:
  void reset() { m_phi = nullptr; }
  const Eigen::MatrixXd& of(const FeatureMap& phi, const Eigen::Ref<const Eigen::MatrixXd>& KP) {
    if (m_phi != &phi) {
      m_F = phi.apply(KP);
      m_phi = &phi;
    }
    return m_F;
  }

 private:
  const FeatureMap* m_phi = nullptr;
  Eigen::MatrixXd m_F;
};

inline constexpr Eigen::Index prefix_query_block = 128;  ///< queries whose scores are made at once

/// The scores of a chunk against a block of queries, exponentiated: S := exp(KP Qs^T - top)
/// (keys x queries, online_softmax.h's exponentiate), top their column maxima; returns the
/// largest |score|. Shared scores (ChunkScores) and a consumer's own are made by it alike, so
/// they have the same bits.
template <class Rows, class Queries, class Matrix, class Vector>
double exponentiated_scores(const Rows& KP, const Queries& Qs, Matrix&& S, Vector&& top) {
  S.noalias() = KP * Qs.transpose();
  const double largest = double(S.cwiseAbs().maxCoeff());
  exponentiate(S, top);
  return largest;
}

/// The exponentiated scores of one chunk against every query (exponentiated_scores, a block of
/// prefix_query_block queries at a time), made by the first consumer that asks and reused by the
/// others: exact attention and the exact map both need them. A pass has them only when a consumer
/// uses_scores(); without, exact attention holds a block of queries at a time, not all L.
class ChunkScores {
 public:
  void reset() { m_made = false; }
  /// Makes them for the queries Qs (L x d, already divided by sqrt(d)) unless they are made for
  /// equal queries (each consumer holds its own copy: they are compared once, then known equal).
  void of(const Eigen::MatrixXd& Qs, const Eigen::Ref<const Eigen::MatrixXd>& KP);
  const Eigen::MatrixXd& exponentials() const { return m_E; }  ///< keys x L
  const Eigen::VectorXd& top() const { return m_top; }         ///< L column maxima
  double largest() const { return m_largest; }                 ///< max |score|

 private:
  bool m_made = false;
  const Eigen::MatrixXd* m_queries = nullptr;  ///< the queries they were made for
  const Eigen::MatrixXd* m_equal = nullptr;    ///< other queries found equal to those
  Eigen::MatrixXd m_E;
  Eigen::VectorXd m_top;
  double m_largest = 0;
};

/// phi(block.KP): the pass's shared copy when there is one, else made into `own`.
inline const Eigen::MatrixXd& chunk_features(const FeatureMap& phi, const PrefixBlock& block, Eigen::MatrixXd& own) {
  if (block.features) return block.features->of(phi, block.KP);
  own = phi.apply(block.KP);
  return own;
}

/// A consumer's state over some consecutive rows of the prefix.
class PrefixPartial {
 public:
  virtual ~PrefixPartial() = default;
  virtual std::unique_ptr<PrefixPartial> clone() const = 0;
  virtual std::size_t bytes() const = 0;
};

/// One computation over the prefix rows.
class PrefixConsumer {
 public:
  virtual ~PrefixConsumer() = default;
  /// The state of no rows.
  virtual std::unique_ptr<PrefixPartial> start() const = 0;
  /// Adds rows [first_row, first_row + block.KP.rows()) to `partial`.
  virtual void consume(PrefixPartial& partial, Eigen::Index first_row, const PrefixBlock& block) const = 0;
  /// total := total followed by `next`, whose rows come right after total's.
  virtual void fold(PrefixPartial& total, const PrefixPartial& next) const = 0;
  /// Whether it asks for the chunk's ChunkScores (then the pass shares them).
  virtual bool uses_scores() const { return false; }
  /// Names the partials for PrefixFoldCache: consumers with equal keys give equal partials for
  /// the same rows of the same prefix. None: never cached.
  virtual std::optional<FoldKey> cache_key() const { return std::nullopt; }
};

/// A consumer whose state is a value type: derived classes write the three steps on State.
template <class State>
class StateConsumer : public PrefixConsumer {
 public:
  static const State& state(const PrefixPartial& p) { return static_cast<const Holder&>(p).value; }
  static State& state(PrefixPartial& p) { return static_cast<Holder&>(p).value; }

  std::unique_ptr<PrefixPartial> start() const final { return std::make_unique<Holder>(initial()); }
  void consume(PrefixPartial& partial, Eigen::Index first_row, const PrefixBlock& block) const final {
    add(state(partial), first_row, block);
  }
  void fold(PrefixPartial& total, const PrefixPartial& next) const final { append(state(total), state(next)); }

 protected:
  virtual State initial() const = 0;
  virtual void add(State& s, Eigen::Index first_row, const PrefixBlock& block) const = 0;
  virtual void append(State& total, const State& next) const = 0;

 private:
  struct Holder final : PrefixPartial {
    explicit Holder(State v) : value(std::move(v)) {}
    std::unique_ptr<PrefixPartial> clone() const override { return std::make_unique<Holder>(value); }
    std::size_t bytes() const override { return state_bytes(value); }
    State value;
  };
};

/// Folds of whole leading segments, by consumer key, within a byte budget: when over it, other
/// keys go first (least recently used), then every other fold of the newest key. One caller at a
/// time (the window's worker); not thread-safe.
class PrefixFoldCache {
 public:
  explicit PrefixFoldCache(std::size_t budget_bytes);
  /// The held fold of `key` with the most segments, at most `limit`; {0, nullptr} when none.
  std::pair<Eigen::Index, const PrefixPartial*> find(const FoldKey& key, Eigen::Index limit);
  /// Keeps `fold`, the fold of the first `segments` segments for `key`.
  void store(const FoldKey& key, Eigen::Index segments, std::unique_ptr<PrefixPartial> fold);
  std::size_t bytes() const { return m_bytes; }
  std::size_t budget() const { return m_budget; }
  std::size_t folds() const;
  void clear();

 private:
  void evict();

  std::size_t m_budget;
  std::size_t m_bytes = 0;
  std::unordered_map<FoldKey, std::map<Eigen::Index, std::unique_ptr<PrefixPartial>>, FoldKeyHash> m_folds;
  std::vector<FoldKey> m_recent;  ///< keys, least recently used first
};

struct PrefixPass {
  std::vector<std::unique_ptr<PrefixPartial>> totals;  ///< per consumer: the fold of all m rows
  Status status = Status::ok;
  Eigen::Index rows_read = 0;    ///< rows drawn or read by this pass (m when nothing was cached)
  Eigen::Index reused_rows = 0;  ///< rows the cached folds covered, for the consumer that reused least
};

/// Runs `consumers` over every row of `prefix` in one pass. With a cache, each consumer with a
/// key starts from its longest cached fold and the pass stores some of the folds it makes (all
/// of the first 16 segments, then 8 per octave, and the fold of its last whole segment). `progress`
/// counts rows read; when it stops the pass, the status is cancelled and the totals are empty.
PrefixPass reduce_prefix(const PrefixSource& prefix, const std::vector<const PrefixConsumer*>& consumers,
                         const Progress& progress = {}, PrefixFoldCache* cache = nullptr);

}  // namespace ntk::core
