#include "core/kernels/fold_cache.h"

#include <algorithm>
#include <iterator>

namespace ntk::core {

PrefixFoldCache::PrefixFoldCache(std::size_t budget_bytes) : m_budget(budget_bytes) {}

std::pair<Eigen::Index, const PrefixPartial*> PrefixFoldCache::find(const FoldKey& key, Eigen::Index limit) {
  const auto it = m_folds.find(key);
  if (it == m_folds.end()) return {0, nullptr};
  std::erase(m_recent, key);
  m_recent.push_back(key);
  const auto fold = it->second.upper_bound(limit);
  if (fold == it->second.begin()) return {0, nullptr};
  return {std::prev(fold)->first, std::prev(fold)->second.get()};
}

void PrefixFoldCache::store(const FoldKey& key, Eigen::Index segments, std::unique_ptr<PrefixPartial> fold) {
  auto& held = m_folds[key];
  if (held.contains(segments)) return;
  std::erase(m_recent, key);
  m_recent.push_back(key);
  m_bytes += fold->bytes();
  held.emplace(segments, std::move(fold));
  evict();
}

std::size_t PrefixFoldCache::folds() const {
  std::size_t n = 0;
  for (const auto& [key, held] : m_folds) n += held.size();
  return n;
}

void PrefixFoldCache::clear() {
  m_folds.clear();
  m_recent.clear();
  m_bytes = 0;
}

void PrefixFoldCache::evict() {
  while (m_bytes > m_budget && m_recent.size() > 1) {
    for (const auto& [segments, fold] : m_folds[m_recent.front()]) m_bytes -= fold->bytes();
    m_folds.erase(m_recent.front());
    m_recent.erase(m_recent.begin());
  }
  if (m_recent.empty()) return;
  auto& held = m_folds[m_recent.back()];
  while (m_bytes > m_budget && !held.empty()) {
    // Every other fold, keeping the longest: what is left still covers every m, more coarsely.
    bool drop = held.size() % 2 == 0;
    for (auto it = held.begin(); it != held.end();) {
      if (drop) {
        m_bytes -= it->second->bytes();
        it = held.erase(it);
      } else {
        ++it;
      }
      drop = !drop;
    }
    if (held.size() == 1 && m_bytes > m_budget) {
      m_bytes -= held.begin()->second->bytes();
      held.clear();
    }
  }
}

}  // namespace ntk::core
