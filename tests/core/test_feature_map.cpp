#include "core/kernels/feature_map.h"
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
  const Eigen::MatrixXd target =
      (q * k.transpose() / std::sqrt(double(d))).array().exp().matrix();
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
