#pragma once
// Counter-based random numbers: every value is a pure function of (seed, stream, index), so any
// thread can draw any entry and results never depend on the thread count (style.md, Core).

#include <Eigen/Core>
#include <cstdint>

namespace ntk::core {

enum class Distribution { gaussian, uniform };

/// Named streams keep the arrays of one workload independent of each other.
enum class Stream : std::uint64_t {
  Q = 1,
  K,
  V,
  KP,
  VP,
  X,
  P,
  WQ,
  WK,
  WV,
  omega,
  omega_norms,
  training_inputs,
  ntk_data,
  ntk_targets,
  ntk_weights,
  ntk_signs,
};

/// Uniform double in (0, 1) with 53 random bits; a pure function of its arguments.
double uniform01(std::uint64_t seed, Stream stream, std::uint64_t index);

/// Standard normal draw (Box-Muller on the pair index / 2); a pure function of its arguments.
double standard_normal(std::uint64_t seed, Stream stream, std::uint64_t index);

/// Fills `out` (rows x cols) with entries scale * N(0, 1) (gaussian) or Uniform[-scale, scale]
/// (uniform). Entry (i, j) takes the counter first_row * cols + i * cols + j, i.e. the row-major
/// position of a row of a larger array whose first row here is `first_row`. Drawing rows
/// [a, b) of an array therefore gives the same numbers whether drawn at once or in pieces.
void fill_random(Eigen::Ref<Eigen::MatrixXd> out, Distribution dist, double scale, std::uint64_t seed, Stream stream,
                 Eigen::Index first_row = 0);

}  // namespace ntk::core
