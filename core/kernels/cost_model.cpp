#include "core/kernels/cost_model.h"

#include <algorithm>
#include <cmath>
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

namespace {

// Whether two maps have the same r at any d: FAVOR+'s features are the caller's.
bool same_map(const FeatureMapSpec& a, const FeatureMapSpec& b) {
  return a.kind == b.kind && (a.kind != FeatureKind::taylor || a.degree == b.degree) &&
         (a.kind != FeatureKind::favor || a.features == b.features);
}

// The smallest m at which a prefix of `per_token` parameters a token trains more than `other`.
double break_even(double other, double per_token) { return std::floor(other / per_token) + 1; }

}  // namespace

std::vector<FeatureMapSpec> counted_feature_maps(const FeatureMapSpec& current) {
  std::vector<FeatureMapSpec> maps;
  for (int g = 1; g <= 4; ++g) {
    FeatureMapSpec taylor;
    taylor.degree = g;
    maps.push_back(taylor);
  }
  FeatureMapSpec elu;
  elu.kind = FeatureKind::elu;
  maps.push_back(elu);
  FeatureMapSpec favor = current;
  favor.kind = FeatureKind::favor;
  maps.push_back(favor);
  if (std::none_of(maps.begin(), maps.end(), [&](const FeatureMapSpec& s) { return same_map(s, current); }))
    maps.push_back(current);
  return maps;
}

const NtkParameterCount& ntk_count(const ParameterCounts& counts, const FeatureMapSpec& spec) {
  for (const NtkParameterCount& n : counts.ntk)
    if (same_map(n.feature, spec)) return n;
  throw std::invalid_argument("this feature map's parameters were not counted");
}

ParameterCounts parameter_counts(const ModelShape& shape, Eigen::Index m, const std::vector<FeatureMapSpec>& maps,
                                 Eigen::Index z_rank, Eigen::Index lora_rank) {
  if (shape.layers < 1 || shape.heads < 1 || shape.kv_heads < 1 || shape.d < 1 || shape.dv < 0 || shape.d_model < 0 ||
      m < 0 || z_rank < 0 || lora_rank < 1)
    throw std::invalid_argument("parameter counts need at least one layer, head, key/value head and key width");
  if (shape.heads % shape.kv_heads != 0) throw std::invalid_argument("the key/value heads must divide the query heads");
  ParameterCounts c;
  c.shape = shape;
  c.m = m;
  c.lora_rank = lora_rank;
  const double layers = double(shape.layers), kv = double(shape.kv_heads), d = double(shape.d);
  const double dv = shape.dv > 0 ? double(shape.dv) : d;
  const double d_model = shape.d_model > 0 ? double(shape.d_model) : double(shape.heads) * d;
  const double per_token = layers * kv * (d + dv);
  c.prefix = double(m) * per_token;
  const double s = double(lora_rank);
  c.lora = layers * s * ((d_model + double(shape.heads) * d) + (d_model + kv * dv));
  c.lora_break_even_m = break_even(c.lora, per_token);
  for (const FeatureMapSpec& spec : maps) {
    NtkParameterCount n;
    n.feature = spec;
    n.r = feature_dimension(spec, shape.d);
    const double r = double(n.r);
    const double z = z_rank > 0 ? double(z_rank) * (r + dv) : r * dv;
    n.parameters = layers * kv * (z + r);
    n.break_even_m = break_even(n.parameters, per_token);
    c.ntk.push_back(n);
  }
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
