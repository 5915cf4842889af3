#include "core/ntk/spectrum.h"

#include <Spectra/MatOp/DenseSymMatProd.h>
#include <Spectra/SymEigsSolver.h>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace ntk::core {
namespace {

// max |H v - lambda v| over the pairs, relative to `scale` (the largest |lambda|).
double residual(const Eigen::MatrixXd& H, const Eigen::VectorXd& values, const Eigen::MatrixXd& vectors, double scale) {
  return ((H * vectors) - vectors * values.asDiagonal()).colwise().norm().maxCoeff() /
         std::max(scale, std::numeric_limits<double>::min());
}

// The `count` eigenpairs at one end of the spectrum by Lanczos iteration.
bool lanczos(const Eigen::MatrixXd& H, Eigen::Index count, int max_iterations, Spectra::SortRule rule,
             Eigen::VectorXd& values, Eigen::MatrixXd& vectors) {
  Spectra::DenseSymMatProd<double> op(H);
  Spectra::SymEigsSolver<Spectra::DenseSymMatProd<double>> solver(op, count, std::min(H.rows(), 4 * count + 20));
  solver.init();
  solver.compute(rule, max_iterations, 1e-12);
  if (solver.info() != Spectra::CompInfo::Successful) return false;
  values = solver.eigenvalues();
  vectors = solver.eigenvectors();
  return true;
}

}  // namespace

Spectrum symmetric_spectrum(const Eigen::Ref<const Eigen::MatrixXd>& H_in, const SpectrumOptions& options) {
  if (H_in.rows() != H_in.cols()) throw std::invalid_argument("the spectrum needs a square matrix");
  const Eigen::MatrixXd H = H_in;
  const Eigen::Index N = H.rows();
  Spectrum s;
  if (N == 0) return s;
  s.trace = H.trace();
  s.frobenius = H.norm();
  s.effective_rank = s.frobenius > 0 ? s.trace * s.trace / (s.frobenius * s.frobenius) : 0;
  s.lambda_min = s.lambda_max = s.condition = std::numeric_limits<double>::quiet_NaN();
  if (!H.allFinite()) return s.status = Status::not_finite, s;
  const Eigen::Index extreme = options.extreme;
  bool dense = N <= options.dense_limit || 2 * extreme >= N;
  if (!dense) {
    Eigen::VectorXd low, high;
    Eigen::MatrixXd low_vectors, high_vectors;
    if (lanczos(H, extreme, options.max_iterations, Spectra::SortRule::SmallestAlge, low, low_vectors) &&
        lanczos(H, extreme, options.max_iterations, Spectra::SortRule::LargestAlge, high, high_vectors)) {
      s.eigenvalues.resize(2 * extreme);
      s.eigenvalues << low, high;
      std::sort(s.eigenvalues.begin(), s.eigenvalues.end());
      const double scale = s.eigenvalues.cwiseAbs().maxCoeff();
      s.max_residual = std::max(residual(H, low, low_vectors, scale), residual(H, high, high_vectors, scale));
    } else if (N <= options.dense_fallback) {
      dense = true;  // clustered small eigenvalues stall Lanczos; the dense solver does not
    } else {
      return s.status = Status::not_converged, s;
    }
  }
  if (dense) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(H);
    if (solver.info() != Eigen::Success) return s.status = Status::not_converged, s;
    s.eigenvalues = solver.eigenvalues();
    s.complete = true;
    s.max_residual = residual(H, s.eigenvalues, solver.eigenvectors(), s.eigenvalues.cwiseAbs().maxCoeff());
  }
  s.lambda_min = s.eigenvalues(0);
  s.lambda_max = s.eigenvalues(s.eigenvalues.size() - 1);
  s.condition = s.lambda_min > 0 ? s.lambda_max / s.lambda_min : std::numeric_limits<double>::infinity();
  return s;
}

}  // namespace ntk::core
