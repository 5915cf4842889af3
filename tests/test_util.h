#pragma once
// Helpers shared by the tests: seeded random matrices and relative errors.

#include "core/util/rng.h"

#include <Eigen/Core>
#include <cstdint>

namespace ntk::test {

inline Eigen::MatrixXd random_matrix(Eigen::Index rows, Eigen::Index cols, double scale, std::uint64_t seed) {
  Eigen::MatrixXd out(rows, cols);
  core::fill_random(out, core::Distribution::gaussian, scale, seed, core::Stream::training_inputs);
  return out;
}

/// max|a - b| / max|b| (or max|a - b| when b is zero).
inline double rel_error(const Eigen::Ref<const Eigen::MatrixXd>& a, const Eigen::Ref<const Eigen::MatrixXd>& b) {
  const double scale = b.cwiseAbs().maxCoeff();
  const double diff = (a - b).cwiseAbs().maxCoeff();
  return scale > 0 ? diff / scale : diff;
}

}  // namespace ntk::test
