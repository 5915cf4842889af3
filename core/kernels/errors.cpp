#include "core/kernels/errors.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace ntk::core {

ErrorMetrics compare(const Eigen::Ref<const Eigen::MatrixXd>& exact, const Eigen::Ref<const Eigen::MatrixXd>& approx) {
  if (exact.rows() != approx.rows() || exact.cols() != approx.cols())
    throw std::invalid_argument("compare: the two outputs must have the same shape");
  const Eigen::ArrayXXd diff = (approx - exact).array();
  ErrorMetrics e;
  if (!diff.allFinite()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    e.max_abs = e.rel_fro = e.mse = nan;
    e.row_max_abs = Eigen::VectorXd::Constant(exact.rows(), nan);
    return e;
  }
  e.row_max_abs = diff.abs().rowwise().maxCoeff();
  e.max_abs = diff.size() > 0 ? diff.abs().maxCoeff() : 0.0;
  const double norm = exact.norm();
  e.rel_fro = norm > 0 ? std::sqrt(diff.square().sum()) / norm : std::sqrt(diff.square().sum());
  e.mse = diff.size() > 0 ? diff.square().mean() : 0.0;
  return e;
}

TaylorBound taylor_bound(double beta, double max_abs_value, int degree) {
  TaylorBound b;
  b.beta = beta;
  b.kernel_rel = std::exp(b.beta + double(degree + 1) * std::log(b.beta) - std::lgamma(degree + 2.0));
  if (b.beta == 0) b.kernel_rel = 0;
  b.applies = b.kernel_rel < 1;
  b.output =
      b.applies ? 2 * b.kernel_rel / (1 - b.kernel_rel) * max_abs_value : std::numeric_limits<double>::infinity();
  return b;
}

}  // namespace ntk::core
