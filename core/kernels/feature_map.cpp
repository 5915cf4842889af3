#include "core/kernels/feature_map.h"

#include "core/util/rng.h"

#include <Eigen/QR>
#include <cmath>
#include <stdexcept>

namespace ntk::core {
namespace {

constexpr int max_degree = 12;
constexpr double max_dimension = 1099511627776.0;  // 2^40

// binom(d + g, g) in floating point, to refuse sizes before any integer could overflow.
double taylor_dimension(Eigen::Index d, int g) {
  double r = 1.0;
  for (int j = 1; j <= g; ++j) r = r * double(d + j) / double(j);
  return std::round(r);
}

}  // namespace

const char* to_string(FeatureKind kind) {
  switch (kind) {
    case FeatureKind::taylor:
      return "taylor";
    case FeatureKind::elu:
      return "elu";
    case FeatureKind::favor:
      return "favor";
  }
  return "unknown";
}

void set_given_omega(FeatureMapSpec& spec, Eigen::MatrixXd omega, const std::string& origin) {
  if (omega.size() == 0)
    throw std::invalid_argument(origin + " holds no FAVOR+ directions (shape " + std::to_string(omega.rows()) + " x " +
                                std::to_string(omega.cols()) + "); give r x d with r and d at least 1");
  spec.omega = std::move(omega);
}

Eigen::Index feature_dimension(const FeatureMapSpec& spec, Eigen::Index d) {
  if (d < 1) throw std::invalid_argument("d must be at least 1");
  switch (spec.kind) {
    case FeatureKind::taylor: {
      if (spec.degree < 0 || spec.degree > max_degree)
        throw std::invalid_argument("the Taylor degree must be between 0 and " + std::to_string(max_degree) + " (got " +
                                    std::to_string(spec.degree) + ")");
      const double r = taylor_dimension(d, spec.degree);
      if (r > max_dimension)
        throw std::invalid_argument("the Taylor map of degree " + std::to_string(spec.degree) + " at d = " +
                                    std::to_string(d) + " has more than 2^40 features; lower the degree or d");
      return Eigen::Index(r);
    }
    case FeatureKind::elu:
      return d;
    case FeatureKind::favor:
      if (spec.omega.size() > 0) return spec.omega.rows();
      if (spec.features < 1 || double(spec.features) > max_dimension)
        throw std::invalid_argument("the FAVOR+ feature count must be between 1 and 2^40 (got " +
                                    std::to_string(spec.features) + ")");
      return spec.features;
  }
  throw std::invalid_argument("unknown feature map");
}

Eigen::MatrixXd favor_directions(Eigen::Index r, Eigen::Index d, bool orthogonal, std::uint64_t seed) {
  Eigen::MatrixXd W(r, d);
  fill_random(W, Distribution::gaussian, 1.0, seed, Stream::omega);
  if (!orthogonal) return W;
  Eigen::MatrixXd norms(r, d);
  fill_random(norms, Distribution::gaussian, 1.0, seed, Stream::omega_norms);
  for (Eigen::Index first = 0; first < r; first += d) {
    const Eigen::Index n = std::min(d, r - first);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(W.middleRows(first, n).transpose());
    Eigen::MatrixXd basis = qr.householderQ() * Eigen::MatrixXd::Identity(d, n);
    // Householder QR fixes the sign of R's diagonal, which biases Q; signing each column by
    // R_jj makes the directions uniformly distributed (Mezzadri 2007).
    for (Eigen::Index j = 0; j < n; ++j)
      if (qr.matrixQR()(j, j) < 0) basis.col(j) = -basis.col(j);
    W.middleRows(first, n) = basis.transpose();
    // An independent Gaussian vector's norm gives each row the chi(d) length of an iid row.
    for (Eigen::Index i = 0; i < n; ++i) W.row(first + i) *= norms.row(first + i).norm();
  }
  return W;
}

FeatureMap::FeatureMap(const FeatureMapSpec& spec, Eigen::Index d)
    : m_kind(spec.kind), m_d(d), m_r(feature_dimension(spec, d)) {
  if (m_kind == FeatureKind::favor) {
    if (spec.omega.size() > 0 && spec.omega.cols() != d)
      throw std::invalid_argument("omega has " + std::to_string(spec.omega.cols()) +
                                  " columns but d = " + std::to_string(d));
    m_omega = spec.omega.size() > 0 ? spec.omega : favor_directions(m_r, d, spec.orthogonal, spec.seed);
  }
  if (m_kind != FeatureKind::taylor) return;
  // Features by degree, then the sorted index tuple (i1 <= ... <= ij) in lexicographic order,
  // as in the reference: extending every degree-(j-1) tuple by i_j >= i_{j-1} keeps that order.
  m_parent.assign(1, -1);
  m_var.assign(1, -1);
  m_factor.assign(1, 1.0);
  std::vector<Eigen::Index> last{-1};  // largest index of each feature's tuple
  std::vector<int> run{0};             // how often that largest index occurs
  Eigen::Index begin = 0;
  for (int j = 1; j <= spec.degree; ++j) {
    const Eigen::Index end = Eigen::Index(m_parent.size());
    for (Eigen::Index p = begin; p < end; ++p) {
      for (Eigen::Index v = std::max<Eigen::Index>(0, last[std::size_t(p)]); v < d; ++v) {
        const int count = v == last[std::size_t(p)] ? run[std::size_t(p)] + 1 : 1;
        m_parent.push_back(p);
        m_var.push_back(v);
        m_factor.push_back(1.0 / std::sqrt(double(count)));  // alpha! grows by `count`
        last.push_back(v);
        run.push_back(count);
      }
    }
    begin = end;
  }
}

void FeatureMap::apply_taylor(const Eigen::MatrixXd& Xs, Eigen::MatrixXd& out) const {
  out.col(0).setOnes();
  for (std::size_t f = 1; f < m_parent.size(); ++f)
    out.col(Eigen::Index(f)) = out.col(m_parent[f]).cwiseProduct(Xs.col(m_var[f])) * m_factor[f];
}

Eigen::MatrixXd FeatureMap::apply(const Eigen::Ref<const Eigen::MatrixXd>& X) const {
  if (X.cols() != m_d)
    throw std::invalid_argument("phi expects rows of width " + std::to_string(m_d) + ", got " +
                                std::to_string(X.cols()));
  const Eigen::MatrixXd Xs = X / std::pow(double(m_d), 0.25);
  Eigen::MatrixXd out(X.rows(), m_r);
  switch (m_kind) {
    case FeatureKind::taylor:
      apply_taylor(Xs, out);
      break;
    case FeatureKind::elu:
      out = Xs.unaryExpr([](double x) { return x > 0 ? x + 1.0 : std::exp(x); });
      break;
    case FeatureKind::favor: {
      out.noalias() = Xs * m_omega.transpose();
      out.colwise() -= 0.5 * Xs.rowwise().squaredNorm();
      out = out.array().exp() / std::sqrt(double(m_r));
      break;
    }
  }
  return out;
}

}  // namespace ntk::core
