#pragma once
// What a comparison of given parameters will cost before it starts, for every face that refuses
// work up front: the cost model's sizes and arithmetic, the work budget and the thread limit.

#include "core/kernels/cost_model.h"
#include "core/params/parameters.h"

#include <string>

namespace ntk::core {

/// The work budget used unless the user sets another (--work-budget): ten minutes or more of
/// arithmetic on one core.
inline constexpr long long default_work_budget_gflop = 20000;

/// The most threads the program accepts (--threads, the Python module): 4 per core. More only
/// oversubscribes, and thousands abort inside libgomp.
int most_threads();

/// The cost model's sizes of one comparison of `p` at the current thread count.
CostSizes comparison_sizes(const Parameters& p);

/// The cost model's arithmetic of one comparison of `p` (exact, compression and NTK-Attention),
/// in GFLOP.
double comparison_gflop(const Parameters& p);

/// Throws std::invalid_argument naming `what` and both figures when `gflop` is over
/// `budget_gflop`: work that cannot end in reasonable time is refused before it starts.
void check_work_budget(double gflop, double budget_gflop, const std::string& what);

}  // namespace ntk::core
