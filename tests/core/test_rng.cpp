#include "core/util/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace ntk::core {
namespace {

TEST(Rng, IsAPureFunctionOfSeedStreamAndIndex) {
  EXPECT_EQ(uniform01(3, Stream::Q, 17), uniform01(3, Stream::Q, 17));
  EXPECT_NE(uniform01(3, Stream::Q, 17), uniform01(4, Stream::Q, 17));
  EXPECT_NE(uniform01(3, Stream::Q, 17), uniform01(3, Stream::K, 17));
  EXPECT_NE(standard_normal(3, Stream::Q, 16), standard_normal(3, Stream::Q, 17));
}

TEST(Rng, RowsDrawnInPiecesEqualRowsDrawnAtOnce) {
  for (const Distribution dist : {Distribution::gaussian, Distribution::uniform}) {
    for (const Eigen::Index cols : {1, 3, 4, 7, 65, 513}) {  // 65, 513: across draw tiles
      Eigen::MatrixXd whole(10, cols);
      fill_random(whole, dist, 1.5, 9, Stream::KP);
      for (Eigen::Index first = 0; first < 10; first += 3) {
        Eigen::MatrixXd piece(std::min<Eigen::Index>(3, 10 - first), cols);
        fill_random(piece, dist, 1.5, 9, Stream::KP, first);
        EXPECT_EQ(piece, whole.middleRows(first, piece.rows())) << "cols " << cols;
      }
      for (Eigen::Index i = 0; i < 10; ++i)
        for (Eigen::Index j = 0; j < cols; ++j) {
          const auto index = std::uint64_t(i * cols + j);
          const double expected = dist == Distribution::gaussian ? 1.5 * standard_normal(9, Stream::KP, index)
                                                                 : 1.5 * (2 * uniform01(9, Stream::KP, index) - 1);
          EXPECT_EQ(whole(i, j), expected);
        }
    }
  }
}

// The generator computes log, sin and cos by its own branch-free polynomials (so its loops
// vectorise); Box-Muller with the C library's functions on the same uniforms agrees with it to
// rounding: the library's angle 2 pi u carries an error of an ulp of 2 pi, i.e. ~1e-15 of the radius.
TEST(Rng, NormalsAreBoxMullerOfTheUniformsToRounding) {
  double worst = 0;
  for (std::uint64_t pair = 0; pair < 200000; ++pair) {
    const double u1 = uniform01(5, Stream::KP, 2 * pair);
    const double u2 = uniform01(5, Stream::KP, 2 * pair + 1);
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    worst = std::max(worst, std::abs(standard_normal(5, Stream::KP, 2 * pair) - radius * std::cos(angle)) / radius);
    worst = std::max(worst, std::abs(standard_normal(5, Stream::KP, 2 * pair + 1) - radius * std::sin(angle)) / radius);
  }
  EXPECT_LT(worst, 2e-15);
  EXPECT_GT(worst, 0.0);  // the two computations are different code, not one
}

TEST(Rng, MomentsMatchTheLaws) {
  Eigen::MatrixXd g(20000, 5), u(20000, 5);
  fill_random(g, Distribution::gaussian, 2.0, 1, Stream::V);
  fill_random(u, Distribution::uniform, 3.0, 1, Stream::V);
  // 100000 draws: the standard error of the mean is 0.0063 for sd 2, so 0.03 is ~5 sigma.
  EXPECT_NEAR(g.mean(), 0.0, 0.03);
  EXPECT_NEAR(std::sqrt(g.array().square().mean()), 2.0, 0.03);
  EXPECT_LE(u.cwiseAbs().maxCoeff(), 3.0);
  EXPECT_NEAR(u.array().square().mean(), 3.0, 0.05);  // B^2 / 3
}

}  // namespace
}  // namespace ntk::core
