#pragma once
// What each method costs for given sizes (method.md section 10): floating-point operations
// per evaluation, bytes of memory, and the number of trainable parameters.

#include <Eigen/Core>
#include <cstddef>

namespace ntk::core {

struct MethodCost {
  double flops = 0;       ///< per evaluation on n queries
  double bytes = 0;       ///< memory the method holds: parameters, inputs and working arrays
  double parameters = 0;  ///< trainable numbers: m d for the prefix, r d_v + r for NTK-Attention
};

struct CostSizes {
  Eigen::Index L = 0, d = 0, m = 0, r = 0;
  Eigen::Index rank = 0;      ///< s of Z = Z_A Z_B; 0 for a full-rank Z
  Eigen::Index chunk = 1024;  ///< prefix rows in flight per thread
  int threads = 1;
  Eigen::Index n = 0;   ///< queries (0: L)
  Eigen::Index dv = 0;  ///< value width (0: d)
};

struct CostEstimate {
  MethodCost exact;     ///< Algorithm 1 with the prefix in memory (m (d + d_v) numbers: K_P, V_P)
  MethodCost ntk;       ///< Algorithm 2, with Z and k given
  MethodCost compress;  ///< computing Z and k from the prefix once (closed form)
};

CostEstimate estimate_cost(const CostSizes& sizes);

/// The memory budget used unless the user sets another (--memory-budget).
inline constexpr double default_memory_budget_bytes = 4e9;

/// Throws std::invalid_argument when NTK-Attention's memory (compression included) would pass
/// `budget_bytes`, with the estimate and what to lower.
void check_memory_budget(const CostSizes& sizes, double budget_bytes);

}  // namespace ntk::core
