// The window's comparisons without the window (a benchmark, not a pass/fail test): the options
// the window uses (maps binned to 256 x 256, one timing run, a LiveCache), on one thread as its
// worker runs them. Prints the time of a new seed at m = 65536 (no fold reusable) and of each
// step of a drag from m = 2^13 to 2^19 in eighths of an octave (each reusing the last's folds).
// Usage: window_pass [threads]

#include "core/pipeline/comparison.h"
#include "core/util/memory.h"
#include "core/util/parallel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

double milliseconds(const ntk::core::Parameters& p, const ntk::core::ComparisonOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  (void)ntk::core::compare_methods(p, o);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ntk::core;
  keep_freed_memory();  // as the program does
  set_thread_count(argc > 1 ? std::max(1, std::atoi(argv[1])) : 1);
  LiveCache cache(std::size_t{256} << 20);  // the window's
  ComparisonOptions options;
  options.map_columns = 256;
  options.map_rows = 256;
  options.timing_runs = 1;
  options.cache = &cache;
  Parameters p = default_parameters();
  p.workload.m = 65536;
  std::vector<double> seeds;
  for (int s = 0; s < 21; ++s) {
    p.workload.seed = 100 + std::uint64_t(s);
    seeds.push_back(milliseconds(p, options));
  }
  std::sort(seeds.begin(), seeds.end());
  std::printf("L=%ld d=%ld, %d thread(s)\nnew seed at m = 65536: p50 %.1f ms, max %.1f ms (21 seeds)\n",
              long(p.workload.L), long(p.workload.d), thread_count(), seeds[10], seeds.back());
  std::printf("drag from m = 2^13 to 2^19, ms per step:");
  std::vector<double> steps;
  for (int step = 0; step <= 48; ++step) {
    p.workload.m = std::lround(std::exp2(13 + step / 8.0));
    steps.push_back(milliseconds(p, options));
    std::printf("%s%.0f", step % 8 == 0 ? "\n  " : " ", steps.back());
  }
  std::printf("\nworst step %.1f ms\n", *std::max_element(steps.begin(), steps.end()));
  return 0;
}
