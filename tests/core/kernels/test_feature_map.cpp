#include "core/kernels/feature_map.h"
#include "core/kernels/kernel_samples.h"
#include "tests/test_util.h"

#include <gtest/gtest.h>

namespace ntk::core {
namespace {

using test::random_matrix;

double taylor_polynomial(double t, int g) {
  double term = 1, sum = 1;
  for (int j = 1; j <= g; ++j) sum += term *= t / j;
  return sum;
}

long long binomial(long long n, long long k) {
  long long r = 1;
  for (long long j = 1; j <= k; ++j) r = r * (n - k + j) / j;
  return r;
}

TEST(FeatureMap, TaylorKernelIsTheTaylorPolynomialOfExp) {
  for (const Eigen::Index d : {1, 3, 8}) {
    for (const int g : {0, 1, 2, 3, 4, 5}) {
      FeatureMapSpec spec;
      spec.degree = g;
      const FeatureMap phi(spec, d);
      EXPECT_EQ(phi.dim(), binomial(d + g, g)) << "d " << d << " g " << g;
      const Eigen::MatrixXd q = random_matrix(5, d, 1.0, 1), k = random_matrix(5, d, 1.0, 2);
      const Eigen::MatrixXd inner = phi.apply(q) * phi.apply(k).transpose();
      for (Eigen::Index i = 0; i < 5; ++i)
        for (Eigen::Index j = 0; j < 5; ++j) {
          const double t = q.row(i).dot(k.row(j)) / std::sqrt(double(d));
          EXPECT_NEAR(inner(i, j), taylor_polynomial(t, g), 1e-12 * std::max(1.0, std::abs(inner(i, j))));
        }
    }
  }
}

// The kernel view (issue 13): the workload's own scores next to the feature map's kernel.
TEST(KernelSamples, AreTheWorkloadsScoresAndTheMapsKernel) {
  WorkloadSpec spec;
  spec.L = 40;
  spec.d = 8;
  spec.m = 1000;
  FeatureMapSpec taylor;
  taylor.degree = 3;
  const FeatureMap phi(taylor, spec.d);
  const KernelSamples s = kernel_samples(spec, phi, 8, 10);
  ASSERT_EQ(s.scores.size(), 80);
  // Pair (i, j) is query 5 i and prefix key 100 j; column-major: pair index i + 8 j.
  const InputPart inputs = generate_inputs(spec);
  Eigen::MatrixXd KP, VP;
  ASSERT_TRUE(materialize(GeneratedPrefix(spec, inputs), KP, VP));
  for (const auto& [i, j] : {std::pair{0, 0}, std::pair{3, 7}, std::pair{7, 9}}) {
    const double t = inputs.Q.row(5 * i).dot(KP.row(100 * j)) / std::sqrt(8.0);
    EXPECT_NEAR(s.scores(i + 8 * j), t, 1e-14);
    EXPECT_NEAR(s.features(i + 8 * j), taylor_polynomial(t, 3), 1e-12);  // phi(q).phi(k) = P_3(t)
  }
  // m = 0: the input keys stand in for the prefix's.
  spec.m = 0;
  const KernelSamples none = kernel_samples(spec, phi, 4, 4);
  EXPECT_NEAR(none.scores(1 + 4 * 2), inputs.Q.row(10).dot(inputs.K.row(20)) / std::sqrt(8.0), 1e-14);
}

TEST(KernelSamples, FavorIsUnbiasedOnTheWorkloadsScores) {
  WorkloadSpec spec;  // the default workload: L 64, d 16, m 4096, scale 0.5
  FeatureMapSpec favor;
  favor.kind = FeatureKind::favor;
  favor.features = 4096;
  const FeatureMap phi(favor, spec.d);
  const KernelSamples s = kernel_samples(spec, phi);
  const double ratio = (s.features.array() / s.scores.array().exp()).mean();
  EXPECT_NEAR(ratio, 1.0, 0.05);
  EXPECT_GT((s.features.array() / s.scores.array().exp() - 1).abs().maxCoeff(), 1e-3);  // not exact
}

TEST(FeatureMap, TaylorFeaturesFollowTheReferenceOrder) {
  // d = 2, g = 2: 1, x0, x1, x0 x0 / sqrt(2), x0 x1, x1 x1 / sqrt(2) (with x' = x / d^(1/4)).
  FeatureMapSpec spec;
  spec.degree = 2;
  const FeatureMap phi(spec, 2);
  Eigen::MatrixXd x(1, 2);
  x << 3.0, 5.0;
  const Eigen::RowVectorXd xs = x.row(0) / std::pow(2.0, 0.25);
  Eigen::RowVectorXd expected(6);
  expected << 1, xs(0), xs(1), xs(0) * xs(0) / std::sqrt(2.0), xs(0) * xs(1), xs(1) * xs(1) / std::sqrt(2.0);
  EXPECT_LT((phi.apply(x) - expected).cwiseAbs().maxCoeff(), 1e-14);
}

TEST(FeatureMap, GivenDirectionsMustHoldSome) {
  FeatureMapSpec spec;
  spec.kind = FeatureKind::favor;
  EXPECT_THROW(set_given_omega(spec, Eigen::MatrixXd(0, 4), "omega.npy"), std::invalid_argument);
  EXPECT_THROW(set_given_omega(spec, Eigen::MatrixXd(3, 0), "omega.npy"), std::invalid_argument);
  EXPECT_EQ(spec.omega.size(), 0);
  set_given_omega(spec, Eigen::MatrixXd::Ones(3, 4), "omega.npy");
  EXPECT_EQ(FeatureMap(spec, 4).dim(), 3);
}

TEST(FeatureMap, EluPlusOneIsPositiveWithRankD) {
  FeatureMapSpec spec;
  spec.kind = FeatureKind::elu;
  const FeatureMap phi(spec, 6);
  EXPECT_EQ(phi.dim(), 6);
  const Eigen::MatrixXd f = phi.apply(random_matrix(50, 6, 3.0, 3));
  EXPECT_GT(f.minCoeff(), 0.0);
}

TEST(FeatureMap, FavorIsPositiveAndUnbiased) {
  const Eigen::Index d = 4;
  const Eigen::MatrixXd q = random_matrix(3, d, 0.5, 4), k = random_matrix(3, d, 0.5, 5);
  const Eigen::MatrixXd target = (q * k.transpose() / std::sqrt(double(d))).array().exp().matrix();
  for (const bool orthogonal : {false, true}) {
    FeatureMapSpec spec;
    spec.kind = FeatureKind::favor;
    spec.features = 200000;
    spec.orthogonal = orthogonal;
    const FeatureMap phi(spec, d);
    const Eigen::MatrixXd fq = phi.apply(q), fk = phi.apply(k);
    EXPECT_GT(fq.minCoeff(), 0.0);
    // With 200000 features the Monte-Carlo error of each entry is well under 1%.
    EXPECT_LT(((fq * fk.transpose()).array() / target.array() - 1).abs().maxCoeff(), 0.01);
  }
}

TEST(FeatureMap, OrthogonalDirectionsAreOrthogonalWithinEachBlock) {
  const Eigen::MatrixXd W = favor_directions(10, 4, true, 7);
  for (Eigen::Index block = 0; block < 10; block += 4) {
    const Eigen::Index n = std::min<Eigen::Index>(4, 10 - block);
    const Eigen::MatrixXd G = W.middleRows(block, n) * W.middleRows(block, n).transpose();
    EXPECT_LT((G - Eigen::MatrixXd(G.diagonal().asDiagonal())).cwiseAbs().maxCoeff(), 1e-12);
  }
}

TEST(FeatureMap, GivenOmegaIsUsedAsIs) {
  FeatureMapSpec spec;
  spec.kind = FeatureKind::favor;
  spec.omega = random_matrix(7, 3, 1.0, 8);
  const FeatureMap phi(spec, 3);
  EXPECT_EQ(phi.dim(), 7);
  EXPECT_EQ(phi.omega(), spec.omega);
  EXPECT_THROW(FeatureMap(spec, 4), std::invalid_argument);
}

TEST(FeatureMap, ImpossibleSizesAreRefused) {
  FeatureMapSpec spec;
  spec.degree = 13;
  EXPECT_THROW(feature_dimension(spec, 4), std::invalid_argument);
  spec.degree = 12;
  EXPECT_THROW(feature_dimension(spec, 512), std::invalid_argument);  // ~1e23 features
  spec.kind = FeatureKind::favor;
  spec.features = 0;
  EXPECT_THROW(feature_dimension(spec, 4), std::invalid_argument);
}

}  // namespace
}  // namespace ntk::core
