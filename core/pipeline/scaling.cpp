#include "core/pipeline/scaling.h"

#include <algorithm>
#include <cmath>

namespace ntk::core {
namespace {

constexpr Eigen::Index first_length = 16;
constexpr int max_degree = 6;
constexpr double max_features = 65536, max_compression_flops = 0x1p33;

// Why a Taylor variant is too large for the series ("" when it is not).
std::string too_large(const Parameters& q) {
  const double r = double(feature_dimension(q)), flops = 2 * double(q.workload.m) * r * double(q.workload.d);
  const std::string degree = "g = " + std::to_string(q.feature.degree);
  if (r > max_features) return degree + " needs r = " + std::to_string(std::llround(r)) + " features, more than 65536";
  if (flops > max_compression_flops)
    return degree + " needs 2 m r d = " + std::to_string(std::llround(flops)) +
           " flops to compress the prefix, more than 2^33";
  return {};
}

}  // namespace

std::vector<Eigen::Index> scaling_lengths(const Parameters& p) {
  const Eigen::Index cap =
      std::min<Eigen::Index>(Eigen::Index(1) << 20, std::max<Eigen::Index>(Eigen::Index(1) << 14, 4 * p.workload.m));
  const double work_cap = std::ldexp(1.0, 31);
  std::vector<Eigen::Index> lengths;
  for (Eigen::Index m = first_length; m <= cap; m *= 2) {
    if (m > first_length && double(p.workload.L) * double(m) * double(p.workload.d) > work_cap) break;
    lengths.push_back(m);
  }
  return lengths;
}

std::vector<Parameters> feature_variants(const Parameters& p) {
  std::vector<Parameters> variants;
  switch (p.feature.kind) {
    case FeatureKind::taylor:
      for (int g = 1; g <= max_degree; ++g) {
        Parameters q = p;
        q.feature.degree = g;
        if (!too_large(q).empty()) break;
        q.rank = std::min<Eigen::Index>(p.rank, std::min<Eigen::Index>(feature_dimension(q), p.workload.d));
        variants.push_back(q);
      }
      break;
    case FeatureKind::favor:
      for (Eigen::Index r = 16; r <= 1024; r *= 2) {
        Parameters q = p;
        q.feature.features = r;
        q.rank = std::min<Eigen::Index>(p.rank, std::min(r, p.workload.d));
        variants.push_back(q);
      }
      break;
    case FeatureKind::elu:
      variants.push_back(p);
      break;
  }
  return variants;
}

std::string feature_variants_cut(const Parameters& p) {
  if (p.feature.kind != FeatureKind::taylor) return {};
  for (int g = 1; g <= max_degree; ++g) {
    Parameters q = p;
    q.feature.degree = g;
    if (std::string why = too_large(q); !why.empty()) return why;
  }
  return {};
}

namespace {

// `point` with what the head of `p` trains (at p's m).
void count_parameters(const Parameters& p, ScalingPoint& point) {
  const ParameterCounts counts = head_parameter_counts(p, {p.feature});
  point.prefix_parameters = counts.prefix;
  point.ntk_parameters = counts.ntk.front().parameters;
  point.lora_parameters = counts.lora;
  point.ntk_break_even_m = counts.ntk.front().break_even_m;
}

}  // namespace

std::vector<ScalingPoint> counted_points(const Parameters& p, const std::vector<Eigen::Index>& lengths) {
  std::vector<ScalingPoint> points;
  for (const Eigen::Index m : lengths) {
    Parameters at = p;
    at.workload.m = m;
    ScalingPoint& point = points.emplace_back();
    point.m = m;
    count_parameters(at, point);
  }
  return points;
}

ScalingPoint scaling_point(const Comparison& c) {
  ScalingPoint point;
  point.m = c.params.workload.m;
  point.r = c.r;
  point.degree = c.params.feature.kind == FeatureKind::taylor ? c.params.feature.degree : 0;
  point.status = c.status;
  count_parameters(c.params, point);
  if (c.status == Status::cancelled) return point;
  point.max_abs = c.errors.max_abs;
  point.rel_fro = c.errors.rel_fro;
  if (c.bound && c.bound->applies) point.bound = c.bound->output;
  point.limit_distance = c.limit_distance;
  point.exact_seconds = c.exact_seconds;
  point.ntk_seconds = c.approx_seconds;
  point.compress_seconds = c.compress_seconds;
  point.exact_bytes = c.cost.exact.bytes;
  point.ntk_bytes = c.cost.ntk.bytes;
  return point;
}

ScalingPoint scaling_point(const Parameters& p, const Progress& progress) {
  ComparisonOptions options;
  options.progress = progress;
  return scaling_point(compare_methods(p, options));
}

ScalingPlan scaling_plan(const Parameters& p) {
  ScalingPlan plan;
  for (const Eigen::Index m : scaling_lengths(p)) {
    plan.by_length.push_back(p);
    plan.by_length.back().workload.m = m;
  }
  plan.by_feature = feature_variants(p);
  return plan;
}

Status run_scaling(const ScalingPlan& plan, const ScalingRunOptions& options) {
  for (const auto& [kind, series] : {std::pair{ScalingSeriesKind::by_length, &plan.by_length},
                                     std::pair{ScalingSeriesKind::by_feature, &plan.by_feature}}) {
    for (const Parameters& p : *series) {
      if (options.progress && !options.progress(0, 1)) return Status::cancelled;
      ScalingPoint point;
      try {
        point = scaling_point(p, options.progress);
      } catch (const std::invalid_argument&) {
        if (options.left_out) options.left_out();
        continue;
      }
      if (point.status == Status::cancelled) return Status::cancelled;
      if (options.point) options.point(kind, point);
    }
  }
  return Status::ok;
}

std::optional<LogLogFit> fit_log_log(const std::vector<double>& x, const std::vector<double>& y) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    if (!(x[i] > 0 && y[i] > 0 && std::isfinite(x[i]) && std::isfinite(y[i]))) continue;
    const double lx = std::log(x[i]), ly = std::log(y[i]);
    n += 1;
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
  }
  const double denominator = n * sxx - sx * sx;
  if (n < 2 || !(std::abs(denominator) > 1e-12 * n * sxx)) return std::nullopt;
  LogLogFit fit;
  fit.slope = (n * sxy - sx * sy) / denominator;
  fit.intercept = (sy - fit.slope * sx) / n;
  fit.points = int(n);
  return fit;
}

std::optional<double> crossover(const std::vector<double>& x, const std::vector<double>& a,
                                const std::vector<double>& b) {
  const std::size_t n = std::min({x.size(), a.size(), b.size()});
  for (std::size_t i = 1; i < n; ++i) {
    if (!(a[i] > b[i]) || a[i - 1] > b[i - 1]) continue;
    // Where log a - log b changes sign, interpolated in log x.
    const double g0 = std::log(a[i - 1]) - std::log(b[i - 1]), g1 = std::log(a[i]) - std::log(b[i]);
    const double t = g0 == g1 ? 0.0 : g0 / (g0 - g1);
    return std::exp(std::log(x[i - 1]) + t * (std::log(x[i]) - std::log(x[i - 1])));
  }
  return std::nullopt;
}

}  // namespace ntk::core
