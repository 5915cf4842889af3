#include "core/ntk/spectrum.h"

#include <Eigen/Eigenvalues>
#include <Spectra/MatOp/DenseSymMatProd.h>
#include <Spectra/SymEigsSolver.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace ntk::core {
namespace {

// max |H v - lambda v| over the pairs, relative to `scale` (the largest |lambda|).
double residual(const Eigen::MatrixXd& H, const Eigen::VectorXd& values, const Eigen::MatrixXd& vectors,
                double scale) {
  return ((H * vectors) - vectors * values.asDiagonal()).colwise().norm().maxCoeff() /
         std::max(scale, std::numeric_limits<double>::min());
}

// The `count` eigenpairs at one end of the spectrum by Lanczos iteration.
bool lanczos(const Eigen::MatrixXd& H, Eigen::Index count, Spectra::SortRule rule, Eigen::VectorXd& values,
             Eigen::MatrixXd& vectors) {
  Spectra::DenseSymMatProd<double> op(H);
  Spectra::SymEigsSolver<Spectra::DenseSymMatProd<double>> solver(op, count, std::min(H.rows(), 4 * count + 20));
  solver.init();
  solver.compute(rule, 2000, 1e-12);
  if (solver.info() != Spectra::CompInfo::Successful) return false;
  values = solver.eigenvalues();
  vectors = solver.eigenvectors();
  return true;
}

}  // namespace

Spectrum symmetric_spectrum(const Eigen::Ref<const Eigen::MatrixXd>& H_in, Eigen::Index dense_limit,
                            Eigen::Index extreme) {
  if (H_in.rows() != H_in.cols()) throw std::invalid_argument("the spectrum needs a square matrix");
  const Eigen::MatrixXd H = H_in;
  const Eigen::Index N = H.rows();
  Spectrum s;
  if (N == 0) return s;
  if (N <= dense_limit || 2 * extreme >= N) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(H);
    if (solver.info() != Eigen::Success) return s.status = Status::not_finite, s;
    s.eigenvalues = solver.eigenvalues();
    s.complete = true;
    s.max_residual = residual(H, s.eigenvalues, solver.eigenvectors(), s.eigenvalues.cwiseAbs().maxCoeff());
  } else {
    Eigen::VectorXd low, high;
    Eigen::MatrixXd low_vectors, high_vectors;
    if (!lanczos(H, extreme, Spectra::SortRule::SmallestAlge, low, low_vectors) ||
        !lanczos(H, extreme, Spectra::SortRule::LargestAlge, high, high_vectors))
      return s.status = Status::not_finite, s;
    s.eigenvalues.resize(2 * extreme);
    s.eigenvalues << low, high;
    std::sort(s.eigenvalues.begin(), s.eigenvalues.end());
    const double scale = s.eigenvalues.cwiseAbs().maxCoeff();
    s.max_residual = std::max(residual(H, low, low_vectors, scale), residual(H, high, high_vectors, scale));
  }
  s.lambda_min = s.eigenvalues(0);
  s.lambda_max = s.eigenvalues(s.eigenvalues.size() - 1);
  s.condition = s.lambda_min > 0 ? s.lambda_max / s.lambda_min : std::numeric_limits<double>::infinity();
  const double frobenius2 = H.squaredNorm();
  s.effective_rank = frobenius2 > 0 ? H.trace() * H.trace() / frobenius2 : 0;
  return s;
}

}  // namespace ntk::core
