#include "core/kernels/cost_model.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace ntk::core {

CostEstimate estimate_cost(const CostSizes& s) {
  const double L = double(s.L), d = double(s.d), m = double(s.m), r = double(s.r);
  const double word = sizeof(double);
  const double inputs = 3 * L * d * word;
  CostEstimate c;
  // Two products with the (m + L) keys, plus exp, subtract and sum per score.
  c.exact.flops = 4 * L * (m + L) * d + 3 * L * (m + L);
  c.exact.bytes = 2 * m * d * word + inputs + L * std::min(m + L, 1024.0) * word;
  c.exact.parameters = m * d;

  const double z_flops = s.rank > 0 ? 2 * L * double(s.rank) * (r + d) : 2 * L * r * d;
  c.ntk.flops = 4 * L * L * d + 3 * L * L + z_flops + 2 * L * r + L * r;
  const double z_numbers = s.rank > 0 ? double(s.rank) * (r + d) : r * d;
  c.ntk.bytes = (z_numbers + r) * word + inputs + (L * L + L * r) * word;
  c.ntk.parameters = z_numbers + r;

  const double in_flight = std::min(m, double(s.chunk)) * double(std::max(1, s.threads));
  const double partials = std::min(64.0 * (r * d + r) * word, double(64 << 20));
  c.compress.flops = 2 * m * r * d + 2 * m * r;
  c.compress.bytes = (r * d + r) * word + in_flight * (r + 2 * d) * word + partials;
  c.compress.parameters = c.ntk.parameters;
  return c;
}

void check_memory_budget(const CostSizes& sizes, double budget_bytes) {
  const CostEstimate c = estimate_cost(sizes);
  const double need = std::max(c.ntk.bytes, c.compress.bytes);
  if (need <= budget_bytes) return;
  char text[320];
  std::snprintf(text, sizeof text,
                "NTK-Attention with r = %lld features at d = %lld would need about %.0f MB, over "
                "the memory budget of %.0f MB; lower the Taylor degree, the feature count or d, "
                "or raise --memory-budget",
                static_cast<long long>(sizes.r), static_cast<long long>(sizes.d), need / 1e6, budget_bytes / 1e6);
  throw std::invalid_argument(text);
}

}  // namespace ntk::core
