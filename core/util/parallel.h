#pragma once
// Deterministic parallel work over prefix rows: the prefix is cut into segments whose number
// depends only on the sizes, never on the thread count; each segment's partial result is
// reduced in segment order, so every thread count gives bit-identical results.

#include "core/util/progress.h"

#include <Eigen/Core>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

namespace ntk::core {

struct PrefixPartition {
  Eigen::Index rows = 0;          ///< m
  Eigen::Index chunk = 1;         ///< rows streamed at once
  Eigen::Index segment_rows = 0;  ///< rows per segment (a multiple of chunk)
  Eigen::Index segments = 1;

  Eigen::Index segment_begin(Eigen::Index s) const;
  Eigen::Index segment_count(Eigen::Index s) const;  ///< rows in segment s (0 when m = 0)
};

/// Cuts m rows into at most 64 segments, fewer when each partial result (bytes_per_partial)
/// would take the partials past 64 MB in total.
PrefixPartition partition_prefix(Eigen::Index m, Eigen::Index chunk, std::size_t bytes_per_partial);

/// Thread-safe progress counting and cancellation around a Progress callable.
class ProgressTracker {
 public:
  ProgressTracker(const Progress& progress, std::int64_t total);
  /// Adds `units` done; returns false once cancelled (by the callable or by an earlier call).
  bool advance(std::int64_t units);
  bool cancelled() const { return m_cancelled.load(std::memory_order_relaxed); }

 private:
  const Progress& m_progress;
  std::int64_t m_total;
  std::atomic<std::int64_t> m_done{0};
  std::atomic<bool> m_cancelled{false};
  std::mutex m_call;
};

/// Runs body(task) for task in [0, tasks) on the OpenMP threads, dynamically scheduled.
/// The body must write only to its own task's outputs. An exception thrown by a task is rethrown
/// here once every thread has stopped (the tasks not yet started then do not run).
void parallel_tasks(Eigen::Index tasks, const std::function<void(Eigen::Index)>& body);

/// Number of OpenMP threads the kernels will use. Eigen's internal threading is switched off
/// when this library loads: every parallel loop is one of ours, with a fixed task layout.
int thread_count();

/// Sets the number of OpenMP threads (>= 1).
void set_thread_count(int threads);

/// Sets the calling thread's thread count for a scope, and restores it after.
class ThreadCountScope {
 public:
  explicit ThreadCountScope(int threads) : m_before(thread_count()) { set_thread_count(threads); }
  ~ThreadCountScope() { set_thread_count(m_before); }
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int m_before;
};

}  // namespace ntk::core
