#include "core/kernels/cost_model.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace ntk::core {

CostEstimate estimate_cost(const CostSizes& s) {
  const double L = double(s.L), d = double(s.d), m = double(s.m), r = double(s.r);
  const double n = s.n > 0 ? double(s.n) : L, dv = s.dv > 0 ? double(s.dv) : d;
  const double word = sizeof(double);
  const double inputs = (n * d + L * (d + dv)) * word;
  CostEstimate c;
  // Scores and weighted values over the (m + L) keys, plus exp, subtract and sum per score.
  c.exact.flops = 2 * n * (m + L) * (d + dv) + 3 * n * (m + L);
  c.exact.bytes = m * (d + dv) * word + inputs + n * std::min(m + L, 1024.0) * word;
  c.exact.parameters = m * d;

  const double z_flops = s.rank > 0 ? 2 * n * double(s.rank) * (r + dv) : 2 * n * r * dv;
  c.ntk.flops = 2 * n * L * (d + dv) + 3 * n * L + z_flops + 2 * n * r + n * r;
  const double z_numbers = s.rank > 0 ? double(s.rank) * (r + dv) : r * dv;
  c.ntk.bytes = (z_numbers + r) * word + inputs + (n * L + n * r) * word;
  c.ntk.parameters = z_numbers + r;

  const double in_flight = std::min(m, double(s.chunk)) * double(std::max(1, s.threads));
  const double partials = std::min(64.0 * (r * dv + r) * word, double(64 << 20));
  c.compress.flops = 2 * m * r * dv + 2 * m * r;
  c.compress.bytes = (r * dv + r) * word + in_flight * (r + d + dv) * word + partials;
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
