#pragma once
// Spectra of symmetric kernels (the NTK view): every eigenvalue of a matrix of order up to 2000
// (Eigen's dense solver), the extreme ones beyond (Spectra's Lanczos solver). A Lanczos run that
// does not converge falls back to the dense solver up to order 4096, and beyond that is reported
// as status not_converged: never as zeros.

#include "core/util/progress.h"

#include <Eigen/Core>

namespace ntk::core {

struct Spectrum {
  Eigen::VectorXd eigenvalues;  ///< ascending; every one, or the smallest and largest few
  bool complete = false;        ///< eigenvalues holds the whole spectrum
  double lambda_min = 0, lambda_max = 0;
  double condition = 0;       ///< lambda_max / lambda_min (inf when lambda_min <= 0)
  double effective_rank = 0;  ///< (sum lambda)^2 / sum lambda^2 = trace(H)^2 / |H|_F^2
  double trace = 0;           ///< sum lambda; with frobenius, right even when no solver converged
  double frobenius = 0;       ///< |H|_F = sqrt(sum lambda^2)
  double max_residual = 0;    ///< max |H v - lambda v| / |lambda_max| over the pairs found
  /// ok; not_converged when Lanczos stopped short and the matrix is too large for the dense
  /// fallback (eigenvalues is then empty and the lambda fields NaN); not_finite when H is not.
  Status status = Status::ok;
};

struct SpectrumOptions {
  Eigen::Index dense_limit = 2000;     ///< every eigenvalue up to this order
  Eigen::Index extreme = 8;            ///< else this many at each end, by Lanczos
  int max_iterations = 2000;           ///< Lanczos restarts before giving up
  Eigen::Index dense_fallback = 4096;  ///< a failed Lanczos run is redone densely up to this order
};

/// The spectrum of the symmetric matrix H (order N) as `options` say. Throws
/// std::invalid_argument for a non-square H.
Spectrum symmetric_spectrum(const Eigen::Ref<const Eigen::MatrixXd>& H, const SpectrumOptions& options = {});

}  // namespace ntk::core
