#include "core/ntk/gradient_descent.h"

#include "core/ntk/spectrum.h"

#include <cmath>
#include <stdexcept>

namespace ntk::core {

GradientDescentRun train_prefix_keys(const NtkProblem& problem, double sigma,
                                     const GradientDescentOptions& options) {
  if (options.steps < 0) throw std::invalid_argument("--steps must be at least 0");
  if (!(options.eta >= 0)) throw std::invalid_argument("--eta must be at least 0 (0 picks it)");
  const Eigen::Index n = problem.X.rows(), d = problem.X.cols(), m = problem.W0.cols();
  const Spectrum limit = symmetric_spectrum(limit_kernel(problem.X, sigma));  // H* = I_d kron K
  GradientDescentRun run;
  run.lambda_star = limit.lambda_min;
  run.eta = options.eta > 0 ? options.eta : 1.0 / (double(m) * limit.lambda_max);
  const int every = options.spectrum_every > 0 ? options.spectrum_every : (n * d <= 256 ? 1 : 10);
  const double rate = 1.0 - run.eta * double(m) * run.lambda_star;  // per step, slowest mode
  run.W = problem.W0;
  double loss0 = 0;
  for (int t = 0;; ++t) {
    const Eigen::MatrixXd F = network_output(run.W, problem.a, problem.X);
    TrainStep s;
    s.step = t;
    s.loss = squared_loss(F, problem.Y);
    if (t == 0) loss0 = s.loss;
    s.lambda_min = t % every == 0
                       ? symmetric_spectrum(empirical_ntk(run.W, problem.a, problem.X) / double(m)).lambda_min
                       : NAN;
    s.weight_movement = (run.W - problem.W0).colwise().norm().maxCoeff();
    s.compute = double(m) * double(d) * double(n) * double(t);
    s.predicted_loss = rate >= 0 && rate < 1 ? loss0 * std::pow(rate, 2.0 * t) : NAN;
    run.steps.push_back(s);
    if (!std::isfinite(s.loss)) return run.status = Status::not_finite, run;
    if (t == options.steps) break;
    if (options.progress && !options.progress(t, options.steps)) return run.status = Status::cancelled, run;
    run.W -= run.eta * loss_gradient(run.W, problem.a, problem.X, problem.Y);
  }
  return run;
}

}  // namespace ntk::core
