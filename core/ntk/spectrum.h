#pragma once
// Spectra of symmetric kernels (the NTK view): every eigenvalue of a matrix of order up to 2000
// (Eigen's dense solver), the extreme ones beyond (Spectra's Lanczos solver).

#include "core/util/progress.h"

#include <Eigen/Core>

namespace ntk::core {

struct Spectrum {
  Eigen::VectorXd eigenvalues;  ///< ascending; every one, or the smallest and largest few
  bool complete = false;        ///< eigenvalues holds the whole spectrum
  double lambda_min = 0, lambda_max = 0;
  double condition = 0;         ///< lambda_max / lambda_min (inf when lambda_min <= 0)
  double effective_rank = 0;    ///< (sum lambda)^2 / sum lambda^2 = trace(H)^2 / |H|_F^2
  double max_residual = 0;      ///< max |H v - lambda v| / |lambda_max| over the pairs found
  Status status = Status::ok;   ///< not_finite when the iterative solver did not converge
};

/// The spectrum of the symmetric matrix H (order N): all eigenvalues when N <= dense_limit,
/// else the `extreme` smallest and largest by Lanczos iteration. Throws std::invalid_argument
/// for a non-square H.
Spectrum symmetric_spectrum(const Eigen::Ref<const Eigen::MatrixXd>& H, Eigen::Index dense_limit = 2000,
                            Eigen::Index extreme = 8);

}  // namespace ntk::core
