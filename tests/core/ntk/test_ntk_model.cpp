#include "core/ntk/gradient_descent.h"
#include "core/ntk/spectrum.h"
#include "core/ntk/stylized_model.h"
#include "core/util/parallel.h"

#include <gtest/gtest.h>
#include <Eigen/Eigenvalues>
#include <cmath>
#include <optional>

namespace ntk::core {
namespace {

double relative_distance(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { return (a - b).norm() / b.norm(); }

TEST(NtkModel, LimitKernelIsItsClosedFormAndPositiveSemiDefinite) {
  const NtkProblem p = make_problem({8, 3, 16, 0.7, 5});
  const Eigen::MatrixXd H = limit_ntk(p.X, 0.7);
  ASSERT_EQ(H.rows(), 24);
  for (Eigen::Index l1 = 0; l1 < 3; ++l1)
    for (Eigen::Index i = 0; i < 8; ++i)
      for (Eigen::Index l2 = 0; l2 < 3; ++l2)
        for (Eigen::Index j = 0; j < 8; ++j) {
          const double g = p.X.row(i).dot(p.X.row(j));
          EXPECT_NEAR(H(l1 * 8 + i, l2 * 8 + j), l1 == l2 ? g * std::exp(0.49 * g) : 0.0, 1e-14);
        }
  EXPECT_EQ((H - H.transpose()).norm(), 0.0);
  EXPECT_GT(Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(H).eigenvalues().minCoeff(), 0.0);
}

TEST(NtkModel, EmpiricalKernelMatchesPairByPairGradients) {
  const NtkProblem p = make_problem({3, 2, 5, 1.0, 2});
  const Eigen::MatrixXd H = empirical_ntk(p.W0, p.a, p.X);
  const double m = 5;
  const Eigen::MatrixXd S = prefix_softmax(p.W0, p.X), F = network_output(p.W0, p.a, p.X);
  // dF_l(x_i)/dw_r = m S_ir (a_rl - F_il / m) x_i, summed over r pair by pair.
  for (Eigen::Index l1 = 0; l1 < 2; ++l1)
    for (Eigen::Index i = 0; i < 3; ++i)
      for (Eigen::Index l2 = 0; l2 < 2; ++l2)
        for (Eigen::Index j = 0; j < 3; ++j) {
          double sum = 0;
          for (Eigen::Index r = 0; r < 5; ++r) {
            const Eigen::VectorXd gi = m * S(i, r) * (p.a(r, l1) - F(i, l1) / m) * p.X.row(i).transpose();
            const Eigen::VectorXd gj = m * S(j, r) * (p.a(r, l2) - F(j, l2) / m) * p.X.row(j).transpose();
            sum += gi.dot(gj);
          }
          EXPECT_NEAR(H(l1 * 3 + i, l2 * 3 + j), sum, 1e-12 * (1 + std::abs(sum)));
        }
}

// The whole Jacobian J (nd x m) at once: the product the streamed kernel must equal.
Eigen::MatrixXd whole_jacobian_kernel(const NtkProblem& p) {
  const Eigen::Index n = p.X.rows(), d = p.a.cols();
  const double m = double(p.W0.cols());
  const Eigen::MatrixXd S = prefix_softmax(p.W0, p.X), F = network_output(p.W0, p.a, p.X);
  Eigen::MatrixXd J(n * d, p.W0.cols());
  for (Eigen::Index l = 0; l < d; ++l)
    J.middleRows(l * n, n) =
        m *
        (S.array().rowwise() * p.a.col(l).transpose().array() - S.array().colwise() * (F.col(l).array() / m)).matrix();
  Eigen::MatrixXd H = J * J.transpose();
  const Eigen::MatrixXd G = p.X * p.X.transpose();
  for (Eigen::Index l1 = 0; l1 < d; ++l1)
    for (Eigen::Index l2 = 0; l2 < d; ++l2) H.block(l1 * n, l2 * n, n, n).array() *= G.array();
  return H;
}

// 70001 columns: many chunks of 2048, a last partial chunk, several segments.
TEST(NtkModel, StreamedKernelEqualsTheWholeJacobianProductForEveryThreadCount) {
  const NtkProblem p = make_problem({7, 3, 70001, 1.0, 4});
  const Eigen::MatrixXd whole = whole_jacobian_kernel(p);
  const int threads = thread_count();
  set_thread_count(1);
  const Eigen::MatrixXd one = empirical_ntk(p.W0, p.a, p.X);
  set_thread_count(2);
  const Eigen::MatrixXd two = empirical_ntk(p.W0, p.a, p.X);
  set_thread_count(threads);
  EXPECT_LT(relative_distance(one, whole), 1e-12);
  EXPECT_EQ((one - two).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_EQ((one - one.transpose()).cwiseAbs().maxCoeff(), 0.0);
}

TEST(NtkModel, StreamedKernelStopsWhenCancelledAndCountsItsWork) {
  const NtkProblem p = make_problem({4, 2, 50000, 1.0, 1});
  std::int64_t calls = 0, last_total = 0;
  const std::optional<Eigen::MatrixXd> stopped = empirical_ntk(p.W0, p.a, p.X, [&](std::int64_t, std::int64_t total) {
    last_total = total;
    return ++calls < 3;
  });
  EXPECT_FALSE(stopped.has_value());
  EXPECT_EQ(calls, 3);
  std::int64_t done = 0;
  const std::optional<Eigen::MatrixXd> whole = empirical_ntk(p.W0, p.a, p.X, [&](std::int64_t d, std::int64_t total) {
    done = d;
    last_total = total;
    return true;
  });
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(done, 100000);  // two passes over the 50000 columns
  EXPECT_EQ(last_total, 100000);
}

// The case, n = 32, d = 4, m = 2^20: the kernel no longer holds the nd x m Jacobian
// (1 GB); what it holds is O(d m + (nd)^2). Measured peaks are in docs/performance.md.
TEST(NtkModel, KernelMemoryGrowsWithTheProblemNotTheJacobian) {
  const double bytes = ntk_kernel_bytes({32, 4, Eigen::Index{1} << 20, 1.0, 1});
  EXPECT_GT(bytes, 2.0 * 4 * double(1 << 20) * 8);  // W0 and a are held
  EXPECT_LT(bytes, 100e6);
  EXPECT_LT(ntk_kernel_bytes({32, 4, Eigen::Index{1} << 22, 1.0, 1}), 2.0 * 4 * double(1 << 22) * 8 + 50e6);
}

TEST(NtkModel, GradientMatchesFiniteDifferences) {
  const NtkProblem p = make_problem({6, 3, 12, 0.8, 3});
  const Eigen::MatrixXd G = loss_gradient(p.W0, p.a, p.X, p.Y);
  const double h = 1e-6;
  for (Eigen::Index r = 0; r < 12; r += 5)
    for (Eigen::Index k = 0; k < 3; ++k) {
      Eigen::MatrixXd up = p.W0, down = p.W0;
      up(k, r) += h;
      down(k, r) -= h;
      const double numeric =
          (squared_loss(network_output(up, p.a, p.X), p.Y) - squared_loss(network_output(down, p.a, p.X), p.Y)) /
          (2 * h);
      EXPECT_NEAR(G(k, r), numeric, 1e-6 * (1 + std::abs(numeric)));
    }
}

// The kernel concentrates around H* as the width m grows, at about 1/sqrt(m) (method.md 8).
// sigma = 0.5: with sigma = 1 the lognormal weights exp(<w, x>) keep the distance in its
// pre-asymptotic regime until m is near 2^16.
TEST(NtkModel, EmpiricalKernelConcentratesAroundTheLimit) {
  const double sigma = 0.5;
  std::vector<double> m, distance;
  for (const Eigen::Index width : {1024, 4096, 16384, 65536}) {
    const NtkProblem p = make_problem({16, 3, width, sigma, 7});
    m.push_back(double(width));
    distance.push_back(relative_distance(empirical_ntk(p.W0, p.a, p.X) / double(width), limit_ntk(p.X, sigma)));
  }
  EXPECT_LT(distance.back(), 0.02);
  EXPECT_LT(distance.back(), distance.front() / 4);
  // Least-squares slope of log distance against log m.
  const Eigen::Map<const Eigen::ArrayXd> x(m.data(), 4), y(distance.data(), 4);
  const Eigen::ArrayXd lx = x.log() - x.log().mean(), ly = y.log() - y.log().mean();
  EXPECT_NEAR((lx * ly).sum() / (lx * lx).sum(), -0.5, 0.2);
}

TEST(Spectrum, DenseAndLanczosPairsHaveSmallResiduals) {
  Eigen::MatrixXd A = Eigen::MatrixXd::Random(300, 300);
  const Eigen::MatrixXd H = A * A.transpose() / 300 + 0.01 * Eigen::MatrixXd::Identity(300, 300);
  const Spectrum dense = symmetric_spectrum(H);
  ASSERT_TRUE(dense.complete);
  EXPECT_EQ(dense.eigenvalues.size(), 300);
  EXPECT_LT(dense.max_residual, 1e-12);
  EXPECT_NEAR(dense.eigenvalues.sum(), H.trace(), 1e-9 * H.trace());
  const Spectrum lanczos = symmetric_spectrum(H, {.dense_limit = 50, .extreme = 6});
  ASSERT_EQ(lanczos.status, Status::ok);
  EXPECT_FALSE(lanczos.complete);
  EXPECT_EQ(lanczos.eigenvalues.size(), 12);
  EXPECT_LT(lanczos.max_residual, 1e-8);
  EXPECT_NEAR(lanczos.lambda_min, dense.lambda_min, 1e-9);
  EXPECT_NEAR(lanczos.lambda_max, dense.lambda_max, 1e-9 * dense.lambda_max);
  EXPECT_NEAR(lanczos.effective_rank, dense.effective_rank, 1e-9 * dense.effective_rank);
  EXPECT_NEAR(dense.condition, dense.lambda_max / dense.lambda_min, 1e-12 * dense.condition);
}

// Regression (issue 10, item 2): a Lanczos run that stops short was reported as an all-zero
// spectrum. Now it falls back to the dense solver where it can, and otherwise says
// not_converged with NaN extremes, while the traces still give the effective rank.
TEST(Spectrum, UnconvergedLanczosIsAStatusNeverZeros) {
  Eigen::MatrixXd A = Eigen::MatrixXd::Random(300, 300);
  const Eigen::MatrixXd H = A * A.transpose() / 300;
  const Spectrum dense = symmetric_spectrum(H);
  const SpectrumOptions starved{.dense_limit = 50, .extreme = 6, .max_iterations = 1, .dense_fallback = 100};
  const Spectrum failed = symmetric_spectrum(H, starved);
  EXPECT_EQ(failed.status, Status::not_converged);
  EXPECT_EQ(failed.eigenvalues.size(), 0);
  EXPECT_TRUE(std::isnan(failed.lambda_min));
  EXPECT_TRUE(std::isnan(failed.lambda_max));
  EXPECT_NEAR(failed.effective_rank, dense.effective_rank, 1e-9 * dense.effective_rank);
  EXPECT_NEAR(failed.trace, dense.eigenvalues.sum(), 1e-9 * failed.trace);
  EXPECT_NEAR(failed.frobenius, dense.eigenvalues.norm(), 1e-9 * failed.frobenius);
  SpectrumOptions fallback = starved;
  fallback.dense_fallback = 300;
  const Spectrum redone = symmetric_spectrum(H, fallback);
  EXPECT_EQ(redone.status, Status::ok);
  EXPECT_TRUE(redone.complete);
  EXPECT_NEAR(redone.lambda_max, dense.lambda_max, 1e-9 * dense.lambda_max);
}

// Wide model, small step: the loss falls at least as fast as the linear rate the NTK predicts
// (within 10%), the kernel hardly changes during training (lazy training) and neither do the
// weights.
TEST(GradientDescent, WideModelFollowsTheNtkPrediction) {
  const NtkSpec spec{12, 3, 16384, 1.0, 4};
  const NtkProblem p = make_problem(spec);
  GradientDescentOptions options;
  options.steps = 60;
  const GradientDescentRun run = train_prefix_keys(p, spec.sigma, options);
  ASSERT_EQ(run.status, Status::ok);
  ASSERT_EQ(run.steps.size(), 61u);
  for (std::size_t t = 1; t < run.steps.size(); ++t) {
    EXPECT_LT(run.steps[t].loss, run.steps[t - 1].loss) << "step " << t;
    ASSERT_TRUE(std::isfinite(run.steps[t].predicted_loss_infinite));
    EXPECT_LE(run.steps[t].loss, 1.1 * run.steps[t].predicted_loss_infinite) << "step " << t;
    EXPECT_NEAR(run.steps[t].lambda_min, run.steps[0].lambda_min, 0.05 * run.steps[0].lambda_min) << "step " << t;
  }
  EXPECT_NEAR(run.steps[0].lambda_min, run.lambda_star, 0.3 * run.lambda_star);  // m = 2^14: within 30%
  EXPECT_LT(run.steps.back().loss, 0.5 * run.steps.front().loss);
  // Lazy training: sixteen times the width, the same fit, far less movement of any one key.
  NtkSpec narrow = spec;
  narrow.m = 1024;
  const GradientDescentRun narrow_run = train_prefix_keys(make_problem(narrow), spec.sigma, options);
  EXPECT_LT(run.steps.back().weight_movement, narrow_run.steps.back().weight_movement / 2)
      << run.steps.back().weight_movement << " vs " << narrow_run.steps.back().weight_movement;
  EXPECT_DOUBLE_EQ(run.steps.back().compute, 16384.0 * 3 * 12 * 60);
}

// Regression (issue 10, item 1): the infinite-width curve loss(0)(1 - eta m lambda_min(H*))^(2t)
// was called a bound, but late in training a finite network follows its own kernel's rate,
// 2 ln(1 - eta m lambda_min(H(W(0))/m)) per step in log-loss, and crosses the H* curve.
TEST(GradientDescent, LateTrainingFollowsTheFiniteWidthRate) {
  const NtkSpec spec{32, 4, 1024, 1.0, 1};  // the defaults of `train --target prefix`
  GradientDescentOptions options;
  options.steps = 7000;
  options.spectrum_every = options.steps + 1;  // lambda_min at step 0 only: the rates need no more
  const GradientDescentRun run = train_prefix_keys(make_problem(spec), spec.sigma, options);
  ASSERT_EQ(run.status, Status::ok);
  const double eta_m = run.eta * double(spec.m);
  const double finite = 2 * std::log(1 - eta_m * run.lambda_initial);
  const double infinite = 2 * std::log(1 - eta_m * run.lambda_star);
  const double slope = (std::log(run.steps[7000].loss) - std::log(run.steps[5000].loss)) / 2000;
  EXPECT_NEAR(slope, finite, 0.15 * std::abs(finite)) << "infinite-width rate " << infinite;
  EXPECT_GT(std::abs(slope - infinite), 0.5 * std::abs(infinite));
  EXPECT_GT(run.steps[7000].loss, run.steps[7000].predicted_loss_infinite);  // not a bound
  EXPECT_DOUBLE_EQ(run.steps[0].predicted_loss_finite, run.steps[0].loss);
  EXPECT_NEAR(run.steps[7000].predicted_loss_finite,
              run.steps[0].loss * std::pow(1 - eta_m * run.lambda_initial, 2 * 7000),
              1e-9 * run.steps[7000].predicted_loss_finite);
}

// m = 4 widths of 2048 columns and a part: the empirical kernel's five segments run on both
// threads and are summed in order (m = 2048 was one segment, serial at every thread count).
TEST(GradientDescent, IndependentOfTheThreadCount) {
  const NtkProblem p = make_problem({16, 4, 4 * 2048 + 100, 1.0, 9});
  ASSERT_GE(partition_prefix(p.W0.cols(), 2048, sizeof(double) * 64 * 64).segments, 4);
  GradientDescentOptions options;
  options.steps = 10;
  set_thread_count(1);
  const GradientDescentRun one = train_prefix_keys(p, 1.0, options);
  set_thread_count(2);
  const GradientDescentRun two = train_prefix_keys(p, 1.0, options);
  EXPECT_EQ(one.W, two.W);
  EXPECT_EQ(one.steps.back().loss, two.steps.back().loss);
  EXPECT_EQ(one.steps.back().lambda_min, two.steps.back().lambda_min);
}

TEST(GradientDescent, BadArgumentsAndCancellation) {
  const NtkProblem p = make_problem({4, 2, 8, 1.0, 1});
  GradientDescentOptions options;
  options.eta = -1;
  EXPECT_THROW(train_prefix_keys(p, 1.0, options), std::invalid_argument);
  options.eta = 0;
  options.progress = [](std::int64_t done, std::int64_t) { return done < 3; };
  EXPECT_EQ(train_prefix_keys(p, 1.0, options).status, Status::cancelled);
  EXPECT_THROW(make_problem({0, 2, 8, 1.0, 1}), std::invalid_argument);
}

}  // namespace
}  // namespace ntk::core
