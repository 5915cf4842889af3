#pragma once
// One computation over the rows of a prefix, as the prefix pass (prefix_reduction.h) runs it:
// a partial state per run of rows, the step that adds a chunk, and the fold of two runs.

#include "core/kernels/chunk_sharing.h"
#include "core/kernels/fold_key.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <cstddef>
#include <memory>
#include <optional>

namespace ntk::core {

/// A chunk of prefix rows as the pass hands it to its consumers: the rows, and what they share.
struct PrefixBlock : PrefixRows {
  ChunkFeatures* features = nullptr;  ///< phi(K_P), made once for the consumers that need it
  ChunkScores* scores = nullptr;      ///< the exponentiated scores, when a consumer uses them
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

}  // namespace ntk::core
