#include "core/ntk/train_attention.h"

#include "core/kernels/prefix_attention.h"

#include <gtest/gtest.h>
#include <Eigen/SVD>

namespace ntk::core {
namespace {

Parameters small_case() {
  Parameters p = default_parameters();
  p.workload.mode = WorkloadMode::projection;
  p.workload.L = 16;
  p.workload.d = 4;
  p.workload.m = 512;
  p.workload.scale = 0.5;
  return p;
}

TEST(TrainAttention, GradientMatchesFiniteDifferences) {
  const Parameters p = small_case();
  const InputPart in = generate_inputs(p.workload);
  Eigen::MatrixXd KP, VP;
  materialize(GeneratedPrefix(p.workload, in), KP, VP);
  const Eigen::MatrixXd target = prefix_attention(in.Q, in.K, in.V, MatrixPrefix(KP, VP), {}).T;
  const FeatureMap phi(p.feature, 4);
  Eigen::MatrixXd Z = Eigen::MatrixXd::Random(phi.dim(), 4) * 0.1;
  Eigen::VectorXd k = Eigen::VectorXd::Random(phi.dim()).cwiseAbs() * 0.1 + Eigen::VectorXd::Constant(phi.dim(), 0.5);
  const AttentionLoss at = attention_loss(in.Q, in.K, in.V, target, phi, Z, k, 512, true);
  ASSERT_EQ(at.status, Status::ok);
  const double h = 1e-7;
  const auto loss = [&](const Eigen::MatrixXd& z, const Eigen::VectorXd& kk) {
    return attention_loss(in.Q, in.K, in.V, target, phi, z, kk, 512, true).loss;
  };
  for (Eigen::Index i = 0; i < phi.dim(); i += 3) {
    Eigen::MatrixXd up = Z, down = Z;
    up(i, i % 4) += h;
    down(i, i % 4) -= h;
    EXPECT_NEAR(at.dZ(i, i % 4), (loss(up, k) - loss(down, k)) / (2 * h), 1e-6 * (1 + std::abs(at.dZ(i, i % 4))));
    Eigen::VectorXd kup = k, kdown = k;
    kup(i) += h;
    kdown(i) -= h;
    EXPECT_NEAR(at.dk(i), (loss(Z, kup) - loss(Z, kdown)) / (2 * h), 1e-6 * (1 + std::abs(at.dk(i))));
  }
}

TEST(TrainAttention, AdamApproachesTheClosedForm) {
  AttentionTrainOptions options;
  options.steps = 2000;
  const AttentionTrainRun run = train_ntk_attention(small_case(), options);
  ASSERT_EQ(run.status, Status::ok);
  ASSERT_EQ(run.steps.size(), 2001u);
  EXPECT_LT(run.steps.back().loss, 0.05 * run.steps.front().loss);
  EXPECT_LT(run.trained_error, 2 * run.closed_error + 1e-3)
      << "trained " << run.trained_error << " closed " << run.closed_error << " z distance " << run.z_distance;
  EXPECT_LT(run.z_distance, 1.0);
}

TEST(TrainAttention, GradientDescentAndLowRankAlsoLearn) {
  Parameters p = small_case();
  AttentionTrainOptions options;
  options.steps = 200;
  options.optimizer = Optimizer::gradient_descent;
  options.learning_rate = 0.5;
  const AttentionTrainRun gd = train_ntk_attention(p, options);
  ASSERT_EQ(gd.status, Status::ok);
  EXPECT_LT(gd.steps.back().loss, 0.5 * gd.steps.front().loss);
  p.rank = 2;
  options.optimizer = Optimizer::adam;
  options.learning_rate = 0.02;
  const AttentionTrainRun low = train_ntk_attention(p, options);
  ASSERT_EQ(low.status, Status::ok);
  EXPECT_LT(low.steps.back().loss, 0.5 * low.steps.front().loss);
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(low.Z);
  EXPECT_LT(svd.singularValues()(2), 1e-9 * svd.singularValues()(0));  // rank 2
}

TEST(TrainAttention, BadOptions) {
  AttentionTrainOptions options;
  options.learning_rate = 0;
  EXPECT_THROW(train_ntk_attention(small_case(), options), std::invalid_argument);
  options.learning_rate = 0.01;
  options.steps = 5;
  options.progress = [](std::int64_t done, std::int64_t) { return done < 2; };
  EXPECT_EQ(train_ntk_attention(small_case(), options).status, Status::cancelled);
}

}  // namespace
}  // namespace ntk::core
