#include "core/kernels/prefix_reduction.h"

#include "core/util/parallel.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <iterator>
#include <mutex>

namespace ntk::core {

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
      PrefixBlock block{prefix.block(row, count, scratch)};
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
