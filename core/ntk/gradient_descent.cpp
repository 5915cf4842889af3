#include "core/ntk/gradient_descent.h"

#include "core/ntk/spectrum.h"

#include <cmath>
#include <stdexcept>
#include <utility>

namespace ntk::core {

double predicted_loss(double loss0, double rate, int step) {
  return rate >= 0 && rate < 1 ? loss0 * std::pow(rate, 2.0 * step) : NAN;
}

PrefixTrainer::PrefixTrainer(NtkProblem problem, double sigma, double eta, int spectrum_every)
    : m_problem(std::move(problem)), m_W(m_problem.W0) {
  if (!(eta >= 0)) throw std::invalid_argument("--eta must be at least 0 (0 picks it)");
  const Eigen::Index n = m_problem.X.rows(), d = m_problem.X.cols(), m = m_W.cols();
  const Spectrum limit = symmetric_spectrum(limit_kernel(m_problem.X, sigma));  // H* = I_d kron K
  m_lambda_star = limit.lambda_min;
  m_eta = eta > 0 ? eta : 1.0 / (double(m) * limit.lambda_max);
  m_every = spectrum_every > 0 ? spectrum_every : (n * d <= 256 ? 1 : 10);
  m_current = record(0);  // step 0 always has lambda_min(H(W(0))/m)
  m_loss0 = m_current.loss;
  m_lambda_initial = m_current.lambda_min;
  m_rate_infinite = 1.0 - m_eta * double(m) * m_lambda_star;
  m_rate_finite = 1.0 - m_eta * double(m) * m_lambda_initial;
  m_current.predicted_loss_infinite = predicted_loss(m_loss0, m_rate_infinite, 0);
  m_current.predicted_loss_finite = predicted_loss(m_loss0, m_rate_finite, 0);
}

TrainStep PrefixTrainer::record(int step) const {
  const Eigen::Index n = m_problem.X.rows(), d = m_problem.X.cols(), m = m_W.cols();
  TrainStep s;
  s.step = step;
  s.loss = squared_loss(network_output(m_W, m_problem.a, m_problem.X), m_problem.Y);
  s.lambda_min = step % m_every == 0
                     ? symmetric_spectrum(empirical_ntk(m_W, m_problem.a, m_problem.X) / double(m)).lambda_min
                     : NAN;
  s.weight_movement = (m_W - m_problem.W0).colwise().norm().maxCoeff();
  s.compute = double(m) * double(d) * double(n) * double(step);
  s.predicted_loss_infinite = predicted_loss(m_loss0, m_rate_infinite, step);
  s.predicted_loss_finite = predicted_loss(m_loss0, m_rate_finite, step);
  return s;
}

const TrainStep& PrefixTrainer::advance() {
  m_W -= m_eta * loss_gradient(m_W, m_problem.a, m_problem.X, m_problem.Y);
  m_current = record(m_current.step + 1);
  return m_current;
}

GradientDescentRun train_prefix_keys(const NtkProblem& problem, double sigma, const GradientDescentOptions& options) {
  if (options.steps < 0) throw std::invalid_argument("--steps must be at least 0");
  PrefixTrainer trainer(problem, sigma, options.eta, options.spectrum_every);
  GradientDescentRun run;
  run.eta = trainer.eta();
  run.lambda_star = trainer.lambda_star();
  run.lambda_initial = trainer.lambda_initial();
  run.steps.push_back(trainer.current());
  for (int t = 0; t < options.steps && std::isfinite(run.steps.back().loss); ++t) {
    if (options.progress && !options.progress(t, options.steps)) {
      run.status = Status::cancelled;
      break;
    }
    run.steps.push_back(trainer.advance());
  }
  if (!std::isfinite(run.steps.back().loss)) run.status = Status::not_finite;
  run.W = trainer.W();
  return run;
}

}  // namespace ntk::core
