#include "core/kernels/prefix_reduction.h"

#include "core/util/parallel.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <iterator>
#include <mutex>

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

void ChunkScores::of(const Eigen::MatrixXd& Qs, const Eigen::Ref<const Eigen::MatrixXd>& KP) {
  if (m_made && (&Qs == m_queries || &Qs == m_equal)) return;
  if (m_made && m_queries->rows() == Qs.rows() && m_queries->cols() == Qs.cols() && *m_queries == Qs) {
    m_equal = &Qs;
    return;
  }
  if (&Qs != m_queries) m_equal = nullptr;
  m_made = true;
  m_queries = &Qs;
  m_E.resize(KP.rows(), Qs.rows());
  m_top.resize(Qs.rows());
  m_largest = 0;
  for (Eigen::Index first = 0; first < Qs.rows(); first += prefix_query_block) {
    const Eigen::Index n = std::min(prefix_query_block, Qs.rows() - first);
    m_largest = std::max(m_largest, exponentiated_scores(KP, Qs.middleRows(first, n), m_E.middleCols(first, n),
                                                         m_top.segment(first, n)));
  }
}

namespace {

// Whether the pass keeps the fold of the first `segments` segments: all of the first 16, then 8
// per octave (a drag of m in steps of an eighth of an octave finds a fold within one step below
// it), and the pass's last. Storing every fold cost copies and page faults that grow with the
// maps' bins, for folds no step would use.
bool kept_fold(Eigen::Index segments, Eigen::Index last) {
  if (segments <= 16 || segments == last) return true;
  const int octave = std::bit_width(std::uint64_t(segments)) - 1;
  return segments % (Eigen::Index{1} << (octave - 3)) == 0;
}

}  // namespace

PrefixPass reduce_prefix(const PrefixSource& prefix, const std::vector<const PrefixConsumer*>& consumers,
                         const Progress& progress, PrefixFoldCache* cache) {
  const Eigen::Index m = prefix.rows();
  const Eigen::Index segments = (m + prefix_segment_rows - 1) / prefix_segment_rows;
  const Eigen::Index whole = m / prefix_segment_rows;  // segments with all their rows
  const std::size_t n = consumers.size();
  PrefixPass pass;
  std::vector<std::optional<FoldKey>> keys(n);
  std::vector<Eigen::Index> from(n, 0);  // the first segment each consumer still needs
  for (std::size_t c = 0; c < n; ++c) {
    if (cache) keys[c] = consumers[c]->cache_key();
    const auto [held, fold] =
        keys[c] ? cache->find(*keys[c], whole) : std::pair<Eigen::Index, const PrefixPartial*>{0, nullptr};
    pass.totals.push_back(fold ? fold->clone() : consumers[c]->start());
    from[c] = held;
  }
  const Eigen::Index first = n == 0 ? segments : *std::min_element(from.begin(), from.end());
  const bool share_scores =
      std::any_of(consumers.begin(), consumers.end(), [](const PrefixConsumer* c) { return c->uses_scores(); });
  pass.reused_rows = first * prefix_segment_rows;
  pass.rows_read = m - pass.reused_rows;

  ProgressTracker tracker(progress, pass.rows_read);
  std::mutex folding;
  std::map<Eigen::Index, std::vector<std::unique_ptr<PrefixPartial>>> done;  // waiting for their turn
  Eigen::Index next = first;
  parallel_tasks(segments - first, [&](Eigen::Index task) {
    const Eigen::Index s = first + task;
    if (tracker.cancelled()) return;
    std::vector<std::unique_ptr<PrefixPartial>> parts(n);
    for (std::size_t c = 0; c < n; ++c)
      if (from[c] <= s) parts[c] = consumers[c]->start();
    PrefixScratch scratch;
    ChunkFeatures features;
    ChunkScores scores;
    const Eigen::Index end = std::min(m, (s + 1) * prefix_segment_rows);
    for (Eigen::Index row = s * prefix_segment_rows; row < end && !tracker.cancelled(); row += prefix_chunk_rows) {
      const Eigen::Index count = std::min(prefix_chunk_rows, end - row);
      PrefixBlock block = prefix.block(row, count, scratch);
      features.reset();
      block.features = &features;
      scores.reset();
      if (share_scores) block.scores = &scores;
      for (std::size_t c = 0; c < n; ++c)
        if (parts[c]) consumers[c]->consume(*parts[c], row, block);
      tracker.advance(count);
    }
    if (tracker.cancelled()) return;
    std::lock_guard lock(folding);
    done.emplace(s, std::move(parts));
    for (auto it = done.find(next); it != done.end(); it = done.find(next)) {
      for (std::size_t c = 0; c < n; ++c) {
        if (!it->second[c]) continue;
        consumers[c]->fold(*pass.totals[c], *it->second[c]);
        if (keys[c] && next < whole && kept_fold(next + 1, whole))
          cache->store(*keys[c], next + 1, pass.totals[c]->clone());
      }
      done.erase(it);
      ++next;
    }
  });
  if (tracker.cancelled()) {
    pass.totals.clear();
    pass.status = Status::cancelled;
  }
  return pass;
}

}  // namespace ntk::core
