#include "core/util/rng.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numbers>
#include <vector>

// This file is compiled with -ffp-contract=off (core/CMakeLists.txt): no multiply-add is fused,
// so a value is the same bits whether computed in a SIMD lane or alone, in every build.

#if defined(__clang__)
// Clang's sanitizer builds (the fuzz preset) cannot vectorise the `omp simd` loops and warn; the
// loops then run scalar, with the same results.
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

namespace ntk::core {
namespace {

// SplitMix64's finaliser (Steele, Lea, Flood 2014): a bijective mix of a 64-bit counter.
[[gnu::always_inline]] inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t key(std::uint64_t seed, Stream stream) {
  return mix64(mix64(seed ^ 0x6a09e667f3bcc909ULL) + static_cast<std::uint64_t>(stream));
}

[[gnu::always_inline]] inline double uniform_keyed(std::uint64_t k, std::uint64_t index) {
  // 53 random bits, shifted by half an ulp so that 0 and 1 are never returned.
  return (static_cast<double>(mix64(k + index * 0x9e3779b97f4a7c15ULL) >> 11) + 0.5) * 0x1.0p-53;
}

// Natural logarithm of x in (0, 1], branch-free so that a loop of it vectorises (fdlibm's
// e_log.c reduction and minimax polynomial: x = 2^e f with f in [sqrt(1/2), sqrt(2)), error
// below one ulp). x is a normal number here: uniform_keyed never returns less than 2^-54.
[[gnu::always_inline]] inline double log_unit(double x) {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  // Shift the mantissa so that the reduced argument lands in [sqrt(1/2), sqrt(2)).
  const std::uint64_t shifted = bits + (0x3ff0000000000000ULL - 0x3fe6a09e00000000ULL);
  const auto e = static_cast<double>(static_cast<std::int64_t>(shifted >> 52) - 0x3ff);
  const double f = std::bit_cast<double>((shifted & 0x000fffffffffffffULL) + 0x3fe6a09e00000000ULL) - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double w = z * z;
  const double t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const double t2 =
      z * (6.666666666666735130e-01 +
           w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  const double r = t1 + t2;
  const double hfsq = 0.5 * f * f;
  constexpr double ln2_hi = 6.93147180369123816490e-01;
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  return e * ln2_hi - ((hfsq - (s * (hfsq + r) + e * ln2_lo)) - f);
}

// sin and cos of 2 pi u for u in (0, 1), branch-free: u - n/4 (n the nearest quarter, up to a
// rounding at the tie) is exact for the multiples of 2^-54 that uniform_keyed returns, and the
// kernels are fdlibm's k_sin.c / k_cos.c polynomials on [-pi/4, pi/4].
[[gnu::always_inline]] inline void sincos_turn(double u, double& s, double& c) {
  // u > 0, so truncating 4 u + 0.5 rounds to the nearest quarter without a libm call; the bits
  // of every reference file depend on it.
  const int quarter = static_cast<int>(4.0 * u + 0.5);  // NOLINT(bugprone-incorrect-roundings)
  const auto n = static_cast<double>(quarter);
  const double x = (u - 0.25 * n) * (2.0 * std::numbers::pi);
  const double z = x * x;
  const double sin_x = x + x * z *
                               (-1.66666666666666324348e-01 +
                                z * (8.33333333332248946124e-03 +
                                     z * (-1.98412698298579493134e-04 +
                                          z * (2.75573137070700676789e-06 +
                                               z * (-2.50507602534068634195e-08 + z * 1.58969099521155010221e-10)))));
  const double cos_x =
      1.0 - (0.5 * z - z * z *
                           (4.16666666666666019037e-02 +
                            z * (-1.38888888888741095749e-03 +
                                 z * (2.48015872894767294178e-05 +
                                      z * (-2.75573143513906633035e-07 +
                                           z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11))))));
  // Quarter turns: (cos, sin) of x + q pi/2 for q = n mod 4.
  const int q = quarter & 3;
  const double along = (q & 1) ? sin_x : cos_x;
  const double across = (q & 1) ? cos_x : sin_x;
  c = (q == 1 || q == 2) ? -along : along;
  s = (q >= 2) ? -across : across;
}

// One Box-Muller pair per pair index: entry 2p takes the cosine, entry 2p + 1 the sine.
[[gnu::always_inline]] inline void normal_pair(std::uint64_t k, std::uint64_t pair, double& z0, double& z1) {
  const double radius = std::sqrt(-2.0 * log_unit(uniform_keyed(k, 2 * pair)));
  double s = 0.0;
  double c = 0.0;
  sincos_turn(uniform_keyed(k, 2 * pair + 1), s, c);
  z0 = radius * c;
  z1 = radius * s;
}

// Draws are made in tiles of counters, each a SIMD loop over a contiguous run of counters. The
// loops are compiled for AVX-512 and AVX2 as well as the baseline and the processor picks one at
// load time (the package is built for Debian's amd64 baseline); without fused multiply-adds all
// three give the same bits.
constexpr std::size_t tile_entries = 512;
#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer instruments the clones' load-time resolver, which then runs before its runtime
// is up and crashes: the TSan build draws with the baseline loop alone (the same bits).
#define NTK_DRAW_CLONES
#else
#define NTK_DRAW_CLONES [[gnu::target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")]]
#endif

// Counters [first, first + n) of the uniform law into buf.
NTK_DRAW_CLONES void uniform_run(std::uint64_t k, std::uint64_t first, std::size_t n, double* buf) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) buf[i] = uniform_keyed(k, first + i);
}

// Counters [first, first + n) of the normal law into buf: the pairs covering them are drawn a
// tile at a time, the first entry dropped when `first` is the sine half of a pair.
NTK_DRAW_CLONES void normal_run(std::uint64_t k, std::uint64_t first, std::size_t n, double* buf) {
  std::array<double, tile_entries / 2 + 1> cosines;
  std::array<double, tile_entries / 2 + 1> sines;
  for (std::size_t done = 0; done < n; done += tile_entries) {
    const std::uint64_t at = first + done;
    const std::size_t count = std::min(tile_entries, n - done);
    const std::size_t skip = at % 2;
    const std::size_t pairs = (skip + count + 1) / 2;
#pragma omp simd
    for (std::size_t p = 0; p < pairs; ++p) normal_pair(k, at / 2 + p, cosines[p], sines[p]);
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t e = i + skip;
      buf[done + i] = (e % 2 == 0) ? cosines[e / 2] : sines[e / 2];
    }
  }
}

}  // namespace

double uniform01(std::uint64_t seed, Stream stream, std::uint64_t index) {
  return uniform_keyed(key(seed, stream), index);
}

double standard_normal(std::uint64_t seed, Stream stream, std::uint64_t index) {
  double z0 = 0.0;
  double z1 = 0.0;
  normal_pair(key(seed, stream), index / 2, z0, z1);
  return index % 2 == 0 ? z0 : z1;
}

void fill_random(Eigen::Ref<Eigen::MatrixXd> out, Distribution dist, double scale, std::uint64_t seed, Stream stream,
                 Eigen::Index first_row) {
  const std::uint64_t k = key(seed, stream);
  const Eigen::Index cols = out.cols();
  // Counters run along rows, storage along columns: draw a group of rows into a row-major buffer,
  // then write each column's piece of the group (a cache line per column, not one entry).
  constexpr Eigen::Index group = 8;
  std::vector<double> buf(static_cast<std::size_t>(group * cols));
  for (Eigen::Index i0 = 0; i0 < out.rows(); i0 += group) {
    const Eigen::Index g = std::min(group, out.rows() - i0);
    const auto first = static_cast<std::uint64_t>(first_row + i0) * static_cast<std::uint64_t>(cols);
    const auto n = static_cast<std::size_t>(g * cols);
    if (dist == Distribution::uniform) {
      uniform_run(k, first, n, buf.data());
      for (double& v : buf) v = 2.0 * v - 1.0;
    } else {
      normal_run(k, first, n, buf.data());
    }
    for (Eigen::Index j = 0; j < cols; ++j)
      for (Eigen::Index r = 0; r < g; ++r) out(i0 + r, j) = scale * buf[static_cast<std::size_t>(r * cols + j)];
  }
}

}  // namespace ntk::core
