#include "core/kernels/infinite_limit.h"

#include <cmath>

namespace ntk::core {
namespace {

// d/da log(sinh(aB) / (aB)) = B coth(aB) - 1/a, with its series a B^2 / 3 near 0.
double uniform_tilted_mean(double a, double B) {
  const double x = a * B;
  if (std::abs(x) < 1e-4) return a * B * B / 3.0 * (1.0 - x * x / 15.0);
  return B / std::tanh(x) - 1.0 / a;
}

}  // namespace

Eigen::MatrixXd infinite_prefix_limit(const WorkloadSpec& spec, const InputPart& inputs) {
  validate(spec);
  if (spec.mode == WorkloadMode::direct) return Eigen::MatrixXd::Zero(query_count(spec), value_width(spec));
  const Eigen::MatrixXd a = inputs.Q * inputs.WK.transpose() / std::sqrt(double(spec.d));
  if (spec.dist == Distribution::gaussian) return spec.scale * spec.scale * a * inputs.WV;
  const Eigen::MatrixXd tilted = a.unaryExpr([B = spec.scale](double x) { return uniform_tilted_mean(x, B); });
  return tilted * inputs.WV;
}

}  // namespace ntk::core
