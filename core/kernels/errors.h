#pragma once
// Approximation errors (method.md section 5) and the Taylor map's a-priori bound.

#include <Eigen/Core>

namespace ntk::core {

struct ErrorMetrics {
  double max_abs = 0;           ///< ||T - PrefixAttn||_inf, the paper's norm
  double rel_fro = 0;           ///< ||T - PrefixAttn||_F / ||PrefixAttn||_F
  double mse = 0;               ///< mean of squared entry errors
  Eigen::VectorXd row_max_abs;  ///< L, max-abs error of each row
};

/// Errors of `approx` against `exact` (same shape). NaN entries make every metric NaN.
ErrorMetrics compare(const Eigen::Ref<const Eigen::MatrixXd>& exact, const Eigen::Ref<const Eigen::MatrixXd>& approx);

struct TaylorBound {
  double beta = 0;        ///< max |t| = |<q, kappa>| / sqrt(d) over queries and prefix keys
  double kernel_rel = 0;  ///< eps = e^beta beta^(g+1) / (g+1)!, bound on |P_g(t) / e^t - 1|
  double output = 0;      ///< 2 eps / (1 - eps) max|values|, or +inf when eps >= 1
  bool applies = false;   ///< eps < 1
};

/// The a-priori bound for the degree-g Taylor map: for |t| <= beta the Lagrange remainder gives
/// |P_g(t) - e^t| <= e^beta beta^(g+1)/(g+1)! e^t, and a relative kernel error eps on the prefix
/// block moves the output by at most eps/(1 - eps) max|v - T| <= 2 eps/(1 - eps) max|values|,
/// values being those of V_P and V (method.md section 5).
TaylorBound taylor_bound(double beta, double max_abs_value, int degree);

}  // namespace ntk::core
