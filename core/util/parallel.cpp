#include "core/util/parallel.h"

#include <Eigen/Core>
#include <algorithm>

#include <exception>
#include <thread>
#include <vector>

#if !NTK_STD_THREADS
#include <omp.h>
#endif

namespace ntk::core {
namespace {

// Eigen's own threaded products split their work by the thread count, which changes rounding.
// All parallelism is ours instead (fixed tasks, fixed reduction order), so Eigen runs serially.
const bool eigen_runs_serially = [] {
  Eigen::setNbThreads(1);
  return true;
}();

}  // namespace

Eigen::Index PrefixPartition::segment_begin(Eigen::Index s) const { return std::min(rows, s * segment_rows); }

Eigen::Index PrefixPartition::segment_count(Eigen::Index s) const {
  return std::min(rows, (s + 1) * segment_rows) - segment_begin(s);
}

PrefixPartition partition_prefix(Eigen::Index m, Eigen::Index chunk, std::size_t bytes_per_partial) {
  constexpr Eigen::Index max_segments = 64;
  constexpr std::size_t partial_budget = std::size_t{64} << 20;
  PrefixPartition p;
  p.rows = m;
  p.chunk = std::max<Eigen::Index>(1, chunk);
  const Eigen::Index chunks = std::max<Eigen::Index>(1, (m + p.chunk - 1) / p.chunk);
  const auto by_memory =
      static_cast<Eigen::Index>(std::max<std::size_t>(1, partial_budget / std::max<std::size_t>(1, bytes_per_partial)));
  p.segments = std::min({chunks, max_segments, by_memory});
  p.segment_rows = ((chunks + p.segments - 1) / p.segments) * p.chunk;
  return p;
}

ProgressTracker::ProgressTracker(const Progress& progress, std::int64_t total) : m_progress(progress), m_total(total) {}

bool ProgressTracker::advance(std::int64_t units) {
  if (cancelled()) return false;
  const std::int64_t done = m_done.fetch_add(units, std::memory_order_relaxed) + units;
  if (!m_progress) return true;
  std::lock_guard lock(m_call);
  if (!m_progress(std::min(done, m_total), m_total)) m_cancelled.store(true, std::memory_order_relaxed);
  return !cancelled();
}

namespace {

// The first exception a task throws, rethrown on the calling thread once every thread has
// stopped (an exception must not leave an OpenMP region or a std::thread); the tasks that start
// after it do nothing.
class TaskFailure {
 public:
  void run(const std::function<void(Eigen::Index)>& body, Eigen::Index task) noexcept {
    if (m_failed.load(std::memory_order_relaxed)) return;
    try {
      body(task);
    } catch (...) {
      const std::lock_guard lock(m_mutex);
      if (!m_error) m_error = std::current_exception();
      m_failed.store(true, std::memory_order_relaxed);
    }
  }
  void rethrow() const {
    if (m_error) std::rethrow_exception(m_error);
  }

 private:
  std::atomic<bool> m_failed{false};
  std::mutex m_mutex;
  std::exception_ptr m_error;
};

}  // namespace

#if NTK_STD_THREADS
// The ThreadSanitizer build (the tsan preset) only: GCC's libgomp is not instrumented, so every
// OpenMP region would be reported. Every call starts its own team of std::threads with the same
// dynamic schedule, which TSan sees; the thread count is per calling thread, as OpenMP's is.
namespace {
thread_local int threads_of_this_caller = int(std::max(1u, std::thread::hardware_concurrency()));
}  // namespace

void parallel_tasks(Eigen::Index tasks, const std::function<void(Eigen::Index)>& body) {
  TaskFailure failure;
  const auto team_size = std::min<Eigen::Index>(thread_count(), tasks);
  std::atomic<Eigen::Index> next{0};
  const auto work = [&] {
    for (Eigen::Index t = next++; t < tasks; t = next++) failure.run(body, t);
  };
  {
    std::vector<std::jthread> team;
    for (Eigen::Index i = 1; i < team_size; ++i) team.emplace_back(work);
    work();
  }
  failure.rethrow();
}

int thread_count() { return threads_of_this_caller; }

void set_thread_count(int threads) { threads_of_this_caller = std::max(1, threads); }
#else
void parallel_tasks(Eigen::Index tasks, const std::function<void(Eigen::Index)>& body) {
  TaskFailure failure;
#pragma omp parallel for schedule(dynamic, 1)
  for (Eigen::Index t = 0; t < tasks; ++t) failure.run(body, t);
  failure.rethrow();
}

int thread_count() { return omp_get_max_threads(); }

void set_thread_count(int threads) { omp_set_num_threads(std::max(1, threads)); }
#endif

}  // namespace ntk::core
