#include "core/util/rng.h"

#include <cmath>
#include <numbers>

namespace ntk::core {
namespace {

// SplitMix64's finaliser (Steele, Lea, Flood 2014): a bijective mix of a 64-bit counter.
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t key(std::uint64_t seed, Stream stream) {
  return mix64(mix64(seed ^ 0x6a09e667f3bcc909ULL) + static_cast<std::uint64_t>(stream));
}

double to_open_unit(std::uint64_t bits) {
  // 53 random bits, shifted by half an ulp so that 0 and 1 are never returned.
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}

double uniform_keyed(std::uint64_t k, std::uint64_t index) {
  return to_open_unit(mix64(k + index * 0x9e3779b97f4a7c15ULL));
}

// One Box-Muller pair per pair index: entry 2p takes the cosine, entry 2p + 1 the sine.
void normal_pair(std::uint64_t k, std::uint64_t pair, double& z0, double& z1) {
  const double u1 = uniform_keyed(k, 2 * pair);
  const double u2 = uniform_keyed(k, 2 * pair + 1);
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 2.0 * std::numbers::pi * u2;
  z0 = radius * std::cos(angle);
  z1 = radius * std::sin(angle);
}

double normal_keyed(std::uint64_t k, std::uint64_t index) {
  double z0 = 0.0;
  double z1 = 0.0;
  normal_pair(k, index / 2, z0, z1);
  return index % 2 == 0 ? z0 : z1;
}

}  // namespace

double uniform01(std::uint64_t seed, Stream stream, std::uint64_t index) {
  return uniform_keyed(key(seed, stream), index);
}

double standard_normal(std::uint64_t seed, Stream stream, std::uint64_t index) {
  return normal_keyed(key(seed, stream), index);
}

void fill_random(Eigen::Ref<Eigen::MatrixXd> out, Distribution dist, double scale,
                 std::uint64_t seed, Stream stream, Eigen::Index first_row) {
  const std::uint64_t k = key(seed, stream);
  const auto cols = static_cast<std::uint64_t>(out.cols());
  const std::uint64_t base = static_cast<std::uint64_t>(first_row) * cols;
  for (Eigen::Index i = 0; i < out.rows(); ++i) {
    const std::uint64_t row_start = base + static_cast<std::uint64_t>(i) * cols;
    if (dist == Distribution::uniform) {
      for (std::uint64_t j = 0; j < cols; ++j)
        out(i, static_cast<Eigen::Index>(j)) =
            scale * (2.0 * uniform_keyed(k, row_start + j) - 1.0);
      continue;
    }
    std::uint64_t j = 0;
    if (row_start % 2 == 1 && cols > 0) {  // row starts on the sine half of a pair
      out(i, 0) = scale * normal_keyed(k, row_start);
      j = 1;
    }
    for (; j + 1 < cols; j += 2) {
      double z0 = 0.0;
      double z1 = 0.0;
      normal_pair(k, (row_start + j) / 2, z0, z1);
      out(i, static_cast<Eigen::Index>(j)) = scale * z0;
      out(i, static_cast<Eigen::Index>(j + 1)) = scale * z1;
    }
    if (j < cols) out(i, static_cast<Eigen::Index>(j)) = scale * normal_keyed(k, row_start + j);
  }
}

}  // namespace ntk::core
