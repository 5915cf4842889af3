#include "core/util/parallel.h"

#include <Eigen/Core>
#include <algorithm>

#include <sched.h>

#include <exception>
#include <thread>
#include <vector>

namespace ntk::core {
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

// The CPUs this process may run on (a Slurm job's or a container's share), else every core.
int available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

thread_local int threads_of_this_caller = available_cpus();

}  // namespace

// Each call starts a team of its own, which ends with it: nothing spins or sleeps between calls
// (libgomp's idle team spun on the core the window's GUI thread draws on, and its wait policy
// can only be set in the environment before the program starts), ThreadSanitizer sees every
// thread, and an exception in any task reaches the caller (a task that throws stops the others
// from starting new tasks).
void parallel_tasks(Eigen::Index tasks, const std::function<void(Eigen::Index)>& body) {
  const auto team_size = std::min<Eigen::Index>(thread_count(), tasks);
  std::atomic<Eigen::Index> next{0};
  std::exception_ptr failure;
  std::mutex failure_lock;
  const auto work = [&] {
    for (Eigen::Index t = next++; t < tasks; t = next++) {
      try {
        body(t);
      } catch (...) {
        const std::lock_guard lock(failure_lock);
        if (!failure) failure = std::current_exception();
        next = tasks;
      }
    }
  };
  {
    std::vector<std::jthread> team;
    for (Eigen::Index i = 1; i < team_size; ++i) team.emplace_back(work);
    work();
  }  // joined
  if (failure) std::rethrow_exception(failure);
}

int thread_count() { return threads_of_this_caller; }

void set_thread_count(int threads) { threads_of_this_caller = std::max(1, threads); }

}  // namespace ntk::core
