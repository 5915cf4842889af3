#pragma once
// Everything the NTK tab and `ntk-explorer ntk` show for one setting of the stylized model:
// the kernels at initialisation, their spectra and their distance, and the same against m.

#include "core/ntk/spectrum.h"
#include "core/ntk/stylized_model.h"

#include <string>
#include <vector>

namespace ntk::core {

struct NtkView {
  NtkSpec spec;
  NtkProblem problem;
  Eigen::MatrixXd empirical;  ///< H(W(0)) / m, nd x nd
  Eigen::MatrixXd limit;      ///< H*, nd x nd
  Spectrum empirical_spectrum;
  Spectrum limit_spectrum;     ///< complete: the spectrum of K repeated d times
  double distance = 0;         ///< |H(W)/m - H*|_F / |H*|_F
  Status status = Status::ok;  ///< cancelled: the kernels and spectra are empty
};

/// What a check of memory is for: the kernels alone (ntk), or training too (gradient descent
/// holds n x m softmax and gradient arrays besides the kernel of its spectrum steps).
enum class NtkWork { kernels, training };

/// Throws std::invalid_argument when `work` on `spec` would need more than `budget_bytes`.
void check_ntk_memory(const NtkSpec& spec, double budget_bytes, NtkWork work);

/// The kernels and spectra of `spec` (throws like make_problem). `progress` (units: columns of
/// W) can stop it while the empirical kernel is accumulated; the eigensolve is not interruptible.
NtkView ntk_view(const NtkSpec& spec, const Progress& progress = {});

/// eigenvalues.csv: index,limit,empirical, ascending; empirical is empty where only the
/// extreme eigenvalues were computed.
std::string eigenvalue_csv(const NtkView& view);

/// One width of the concentration series.
struct NtkWidthPoint {
  Eigen::Index m = 0;
  double distance = 0;         ///< |H(W)/m - H*|_F / |H*|_F
  double lambda_min = 0;       ///< of H(W)/m
  Status status = Status::ok;  ///< cancelled: the numbers are not set
};

/// The widths of the concentration series for `spec`: powers of two from 16 to max(4 m, 2^12),
/// at most 2^18 and fewer when n d m passes 2^26.
std::vector<Eigen::Index> ntk_widths(const NtkSpec& spec);

/// H(W)/m at width `m` (other settings from `spec`) against H*; cancellable like ntk_view.
NtkWidthPoint ntk_width_point(const NtkSpec& spec, Eigen::Index m, const Progress& progress = {});

}  // namespace ntk::core
