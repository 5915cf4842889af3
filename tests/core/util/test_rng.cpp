#include "core/util/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace ntk::core {
namespace {

// The generator's bits are pinned: every saved sweep, session and lesson number was drawn with
// them, so a change to the generator (a different mixing, an FMA in Box-Muller) must fail here
// rather than move every result silently. Values printed with %a when the generator was fixed.
TEST(Rng, DrawsArePinnedToTheirSeedStreamAndIndex) {
  EXPECT_EQ(uniform01(3, Stream::Q, 17), 0x1.a331c3935cc68p-5);
  EXPECT_EQ(uniform01(4, Stream::Q, 17), 0x1.ce5181224d32fp-2);
  EXPECT_EQ(uniform01(3, Stream::K, 17), 0x1.6488430129434p-4);
  EXPECT_EQ(standard_normal(3, Stream::Q, 16), 0x1.a944fdaa898d3p-1);
}

// Moments of many draws: a generator that repeated, or skewed, its values fails here.
TEST(Rng, DrawsHaveTheirLawsMoments) {
  const int n = 200000;
  double u = 0, uu = 0, g = 0, gg = 0;
  for (int i = 0; i < n; ++i) {
    const double a = uniform01(5, Stream::KP, std::uint64_t(i)), b = standard_normal(5, Stream::KP, std::uint64_t(i));
    u += a;
    uu += a * a;
    g += b;
    gg += b * b;
  }
  // Five standard errors: 0.5 +- 5 sqrt(1/12 / n), 1/3 +- 5 sqrt(4/45 / n), 0 +- 5 / sqrt(n), 1 +- 5 sqrt(2 / n).
  EXPECT_NEAR(u / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(uu / n, 1.0 / 3, 5 * std::sqrt(4.0 / 45 / n));
  EXPECT_NEAR(g / n, 0.0, 5 / std::sqrt(double(n)));
  EXPECT_NEAR(gg / n, 1.0, 5 * std::sqrt(2.0 / n));
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

#if defined(__x86_64__)
// The upper halves of the vector registers that the running thread has in use (XINUSE, read by
// XGETBV with ECX = 1: bit 2 the upper 128 bits of ymm0-15, bit 6 the upper 256 of zmm0-15), or
// nullopt where the processor cannot say.
std::optional<std::uint64_t> upper_state_in_use() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return std::nullopt;
  if (!__get_cpuid_count(0xD, 1, &a, &b, &c, &d) || !(a & (1u << 2))) return std::nullopt;
  unsigned lo = 0, hi = 0;
  asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(1));
  return ((std::uint64_t(hi) << 32) | lo) & ((1u << 2) | (1u << 6));
}

// The draws' AVX2 and AVX-512 clones leave no upper register state behind (vzeroupper). Left
// dirty, every SSE instruction after them pays the AVX-SSE transition penalty in the baseline
// builds: glibc's exp ran 25x slower after make_problem in the -O1 test builds, where GCC emits
// no vzeroupper, and GradientDescent.LateTrainingFollowsTheFiniteWidthRate took 105 s, not 6.
TEST(Rng, DrawsLeaveTheVectorRegistersClean) {
  if (!upper_state_in_use()) GTEST_SKIP() << "this processor does not report the registers in use";
  Eigen::MatrixXd x(64, 64);
  for (const Distribution dist : {Distribution::gaussian, Distribution::uniform}) {
    fill_random(x, dist, 1.0, 3, Stream::Q);
    const std::uint64_t after = *upper_state_in_use();
    EXPECT_EQ(after, 0u) << "upper register state left in use: " << after;
  }
}
#endif

}  // namespace
}  // namespace ntk::core
