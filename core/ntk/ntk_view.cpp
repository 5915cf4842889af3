#include "core/ntk/ntk_view.h"

#include "core/io/text_formats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ntk::core {
namespace {

// The spectrum of H* = I_d kron K: K's eigenvalues, each d times.
Spectrum limit_spectrum(const Eigen::MatrixXd& X, double sigma, Eigen::Index d) {
  Spectrum s = symmetric_spectrum(limit_kernel(X, sigma));
  const Eigen::VectorXd once = s.eigenvalues;
  s.eigenvalues.resize(once.size() * d);
  for (Eigen::Index i = 0; i < once.size(); ++i) s.eigenvalues.segment(i * d, d).setConstant(once(i));
  s.effective_rank *= double(d);  // trace and squared norm both scale by d
  s.trace *= double(d);
  s.frobenius *= std::sqrt(double(d));
  return s;
}

}  // namespace

void check_ntk_memory(const NtkSpec& spec, double budget_bytes, NtkWork work) {
  const double nd = double(spec.n) * double(spec.d);
  // Training adds the current W (d x m) and the gradient's n x m softmax, product and weights.
  const double training = work == NtkWork::training ? 8.0 * double(spec.m) * (double(spec.d) + 4 * double(spec.n)) : 0;
  const double bytes = ntk_kernel_bytes(spec) + training;
  if (bytes <= budget_bytes) return;
  throw std::invalid_argument("the NTK of n d = " + std::to_string(std::int64_t(nd)) + " outputs at m = " +
                              std::to_string(spec.m) + " needs about " + std::to_string(std::int64_t(bytes / 1e6)) +
                              " MB, over the memory budget; lower n, d or m, or raise --memory-budget");
}

NtkView ntk_view(const NtkSpec& spec, const Progress& progress) {
  NtkView v;
  v.spec = spec;
  v.problem = make_problem(spec);
  std::optional<Eigen::MatrixXd> H = empirical_ntk(v.problem.W0, v.problem.a, v.problem.X, progress);
  if (!H) {
    v.status = Status::cancelled;
    return v;
  }
  v.empirical = *H / double(spec.m);
  v.limit = limit_ntk(v.problem.X, spec.sigma);
  v.empirical_spectrum = symmetric_spectrum(v.empirical);
  v.limit_spectrum = limit_spectrum(v.problem.X, spec.sigma, spec.d);
  v.distance = (v.empirical - v.limit).norm() / v.limit.norm();
  return v;
}

std::string eigenvalue_csv(const NtkView& view) {
  std::string out = csv_line({"index", "limit", "empirical"});
  const Eigen::VectorXd& limit = view.limit_spectrum.eigenvalues;
  const Eigen::VectorXd& empirical = view.empirical_spectrum.eigenvalues;
  const Eigen::Index N = limit.size(), half = empirical.size() / 2;
  for (Eigen::Index i = 0; i < N; ++i) {
    std::string e;
    if (view.empirical_spectrum.complete || i < half)
      e = format_number(empirical(i));
    else if (i >= N - half)
      e = format_number(empirical(empirical.size() - (N - i)));
    out += csv_line({std::to_string(i), format_number(limit(i)), e});
  }
  return out;
}

std::vector<Eigen::Index> ntk_widths(const NtkSpec& spec) {
  const Eigen::Index cap = std::min<Eigen::Index>(Eigen::Index(1) << 18, std::max<Eigen::Index>(4 * spec.m, 1 << 12));
  std::vector<Eigen::Index> widths;
  for (Eigen::Index m = 16; m <= cap; m *= 2) {
    if (m > 16 && double(spec.n) * double(spec.d) * double(m) > std::ldexp(1.0, 26)) break;
    widths.push_back(m);
  }
  return widths;
}

NtkWidthPoint ntk_width_point(const NtkSpec& spec, Eigen::Index m, const Progress& progress) {
  NtkSpec at = spec;
  at.m = m;
  const NtkProblem p = make_problem(at);
  std::optional<Eigen::MatrixXd> H = empirical_ntk(p.W0, p.a, p.X, progress);
  if (!H) return {.m = m, .status = Status::cancelled};
  *H /= double(m);
  const Eigen::MatrixXd limit = limit_ntk(p.X, spec.sigma);
  return {m, (*H - limit).norm() / limit.norm(), symmetric_spectrum(*H).lambda_min};
}

}  // namespace ntk::core
