#pragma once
// Gradient descent on the prefix keys W of the stylized model (method.md section 8), recording
// what the NTK theory speaks about at every step.

#include "core/ntk/stylized_model.h"
#include "core/util/progress.h"

#include <cmath>
#include <vector>

namespace ntk::core {

struct TrainStep {
  int step = 0;
  double loss = 0;
  double lambda_min = 0;       ///< lambda_min(H(W(t)) / m); NaN on steps where it is not computed
  double weight_movement = 0;  ///< max_r |w_r(t) - w_r(0)|
  double compute = 0;          ///< C = N D T: N = m d trainable numbers, D = n data points, T = t
  /// The NTK's linear-rate predictions loss(0) (1 - eta m lambda)^(2t) (method.md section 8),
  /// NaN when eta m lambda >= 1. Neither is a bound: the finite-width one, with
  /// lambda = lambda_min(H(W(0))/m), is the rate a finite network follows late in training; the
  /// infinite-width one, with lambda = lambda_min(H*), is what it tends to as m grows.
  double predicted_loss_infinite = 0;
  double predicted_loss_finite = 0;
};

/// The NTK's linear-rate prediction loss(0) rate^(2 step) of TrainStep, rate = 1 - eta m lambda
/// (NaN unless 0 <= rate < 1).
double predicted_loss(double loss0, double rate, int step);

struct GradientDescentOptions {
  double eta = 0;  ///< step; 0 picks 1 / (m lambda_max(H*)), the largest step the NTK keeps stable
  int steps = 200;
  int spectrum_every =
      0;              ///< compute lambda_min(H(W)/m) every this many steps; 0: every step when nd <= 256, else every 10
  Progress progress;  ///< units: steps
};

struct GradientDescentRun {
  std::vector<TrainStep> steps;  ///< step 0 (the start) to the last step done
  Eigen::MatrixXd W;             ///< the keys after the last step
  double eta = 0;                ///< the step used
  double lambda_star = 0;        ///< lambda_min(H*)
  double lambda_initial = 0;     ///< lambda_min(H(W(0))/m)
  Status status = Status::ok;    ///< cancelled, or not_finite when the loss overflowed
};

/// Gradient descent one step at a time (the window's play, pause and step).
class PrefixTrainer {
 public:
  /// Starts at problem.W0; eta and spectrum_every as in GradientDescentOptions. Throws
  /// std::invalid_argument for eta < 0.
  PrefixTrainer(NtkProblem problem, double sigma, double eta = 0, int spectrum_every = 0);
  /// The record of the current keys (step 0 before any step).
  const TrainStep& current() const { return m_current; }
  /// One step W <- W - eta grad; returns the new record (its loss may be non-finite).
  const TrainStep& advance();
  const Eigen::MatrixXd& W() const { return m_W; }
  double eta() const { return m_eta; }
  double lambda_star() const { return m_lambda_star; }
  double lambda_initial() const { return m_lambda_initial; }

 private:
  TrainStep record(int step) const;

  NtkProblem m_problem;
  Eigen::MatrixXd m_W;
  double m_eta = 0, m_lambda_star = 0, m_lambda_initial = 0, m_loss0 = 0;
  double m_rate_infinite = NAN, m_rate_finite = NAN;  ///< 1 - eta m lambda per step, slowest mode
  int m_every = 1;
  TrainStep m_current;
};

/// Trains W from problem.W0 for `options.steps` steps of W <- W - eta grad. Throws
/// std::invalid_argument for steps < 0 or eta < 0.
GradientDescentRun train_prefix_keys(const NtkProblem& problem, double sigma, const GradientDescentOptions& options);

}  // namespace ntk::core
