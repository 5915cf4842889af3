#include "core/util/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ntk::core {
namespace {

TEST(ParallelTasks, EveryTaskRunsOnceOnEveryTeamSize) {
  for (const int threads : {1, 2, 3, 8}) {
    const ThreadCountScope scope(threads);
    std::vector<std::atomic<int>> runs(97);
    parallel_tasks(Eigen::Index(runs.size()), [&](Eigen::Index t) { ++runs[std::size_t(t)]; });
    for (const std::atomic<int>& r : runs) EXPECT_EQ(r.load(), 1) << threads << " threads";
  }
  parallel_tasks(0, [](Eigen::Index) { ADD_FAILURE() << "a task of none ran"; });
}

// A task that throws (std::bad_alloc in a big comparison) reaches the caller as that exception
// instead of ending the process (an exception leaving an OpenMP region or a std::thread calls
// std::terminate), and stops the tasks that have not started; from the first thread and from
// another one (the window's workers). The tsan preset runs it on its std::thread teams.
TEST(ParallelTasks, AnExceptionInATaskReachesTheCaller) {
  const auto check = [] {
    for (const int threads : {1, 2, 4}) {
      const ThreadCountScope scope(threads);
      std::atomic<int> ran{0};
      EXPECT_THROW(parallel_tasks(10000,
                                  [&](Eigen::Index t) {
                                    if (t == 3) throw std::bad_alloc();
                                    ++ran;
                                  }),
                   std::bad_alloc);
      EXPECT_LT(ran.load(), 9999) << threads << " threads";
    }
  };
  check();
  std::thread(check).join();  // on a thread other than the first one, as in the window's workers
}

// The thread count belongs to the calling thread (the window's workers each set their own).
TEST(ParallelTasks, TheThreadCountIsTheCallingThreads) {
  const ThreadCountScope scope(3);
  int other = 0;
  std::thread([&] {
    set_thread_count(1);
    other = thread_count();
  }).join();
  EXPECT_EQ(other, 1);
  EXPECT_EQ(thread_count(), 3);
  int fresh = 0;
  std::thread([&] { fresh = thread_count(); }).join();
  EXPECT_GE(fresh, 1);
  EXPECT_LE(fresh, int(std::max(1u, std::thread::hardware_concurrency())));
}

}  // namespace
}  // namespace ntk::core
