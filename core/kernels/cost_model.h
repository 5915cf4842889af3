#pragma once
// What each method costs for given sizes (method.md section 10): floating-point operations
// per evaluation, bytes of memory, and the number of trainable parameters.

#include "core/kernels/feature_map.h"

#include <Eigen/Core>
#include <cstddef>
#include <vector>

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

/// A model's attention, for counting what each way of adapting it trains.
struct ModelShape {
  Eigen::Index layers = 1, heads = 1, kv_heads = 1;
  Eigen::Index d = 0;        ///< query and key width of a head
  Eigen::Index dv = 0;       ///< value width of a head (0: d)
  Eigen::Index d_model = 0;  ///< the residual stream's width (0: heads d)
};

/// The LoRA rank counted beside the prefix: PEFT's default (LoraConfig r = 8).
inline constexpr Eigen::Index default_lora_rank = 8;

/// NTK-Attention's trainable parameters under one feature map (method.md section 10).
struct NtkParameterCount {
  FeatureMapSpec feature;
  Eigen::Index r = 0;
  double parameters = 0;    ///< Z and k of every layer's key/value heads: r d_v + r each (r s + s d_v + r at rank s)
  double break_even_m = 0;  ///< the smallest m at which the prefix trains more than this
};

/// What prefix tuning, NTK-Attention and LoRA train for one model shape and prefix length.
struct ParameterCounts {
  ModelShape shape;
  Eigen::Index m = 0;
  double prefix = 0;  ///< the prefix as PEFT trains it: m keys and values per layer and key/value head
  Eigen::Index lora_rank = default_lora_rank;
  double lora = 0;                     ///< LoRA of that rank on W_Q and W_V (PEFT's default targets): s (in + out) each
  double lora_break_even_m = 0;        ///< the smallest m at which the prefix trains more than LoRA
  std::vector<NtkParameterCount> ntk;  ///< one per feature map of `feature_maps`
};

/// The feature maps counted side by side: Taylor degrees 1 to 4, elu + 1, and FAVOR+ with the
/// features (and directions) of `current`; `current` itself is added when it is not among them.
std::vector<FeatureMapSpec> counted_feature_maps(const FeatureMapSpec& current);

/// The entry of `counts` for `spec` (the same kind, and degree for Taylor); throws
/// std::invalid_argument when it was not counted.
const NtkParameterCount& ntk_count(const ParameterCounts& counts, const FeatureMapSpec& spec);

/// Throws std::invalid_argument for a shape with a zero width or count, or kv_heads not dividing heads.
ParameterCounts parameter_counts(const ModelShape& shape, Eigen::Index m, const std::vector<FeatureMapSpec>& maps,
                                 Eigen::Index z_rank = 0, Eigen::Index lora_rank = default_lora_rank);

/// The memory budget used unless the user sets another (--memory-budget).
inline constexpr double default_memory_budget_bytes = 4e9;

/// Throws std::invalid_argument when NTK-Attention's memory (compression included) would pass
/// `budget_bytes`, with the estimate and what to lower.
void check_memory_budget(const CostSizes& sizes, double budget_bytes);

}  // namespace ntk::core
