#pragma once
// The folds of a prefix's leading segments that the prefix pass (prefix_reduction.h) keeps
// between passes, so that a change of m computes only the rows past the nearest fold.

#include "core/kernels/fold_key.h"
#include "core/kernels/prefix_consumer.h"

#include <Eigen/Core>
#include <cstddef>
#include <map>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ntk::core {

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

}  // namespace ntk::core
