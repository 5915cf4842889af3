#include "core/ntk/stylized_model.h"

#include "core/util/rng.h"

#include <stdexcept>

namespace ntk::core {

NtkProblem make_problem(const NtkSpec& spec) {
  if (spec.n < 1 || spec.d < 1 || spec.m < 1)
    throw std::invalid_argument("the NTK model needs n, d and m of at least 1");
  if (!(spec.sigma >= 0)) throw std::invalid_argument("--sigma must be at least 0");
  NtkProblem p;
  p.X.resize(spec.n, spec.d);
  fill_random(p.X, Distribution::gaussian, 1.0, spec.seed, Stream::ntk_data);
  p.X.rowwise().normalize();  // uniform on the unit sphere
  p.Y.resize(spec.n, spec.d);
  fill_random(p.Y, Distribution::gaussian, 1.0, spec.seed, Stream::ntk_targets);
  p.W0.resize(spec.d, spec.m);
  fill_random(p.W0, Distribution::gaussian, spec.sigma, spec.seed, Stream::ntk_weights);
  p.a.resize(spec.m, spec.d);
  fill_random(p.a, Distribution::uniform, 1.0, spec.seed, Stream::ntk_signs);
  p.a = p.a.array().sign();
  return p;
}

Eigen::MatrixXd prefix_softmax(const Eigen::Ref<const Eigen::MatrixXd>& W,
                               const Eigen::Ref<const Eigen::MatrixXd>& X) {
  Eigen::MatrixXd S = X * W;
  S = (S.colwise() - S.rowwise().maxCoeff()).array().exp().matrix();
  S.array().colwise() /= S.rowwise().sum().array();
  return S;
}

Eigen::MatrixXd network_output(const Eigen::Ref<const Eigen::MatrixXd>& W,
                               const Eigen::Ref<const Eigen::MatrixXd>& a,
                               const Eigen::Ref<const Eigen::MatrixXd>& X) {
  return double(W.cols()) * (prefix_softmax(W, X) * a);
}

double squared_loss(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::Ref<const Eigen::MatrixXd>& Y) {
  return 0.5 * (F - Y).squaredNorm();
}

Eigen::MatrixXd loss_gradient(const Eigen::Ref<const Eigen::MatrixXd>& W,
                              const Eigen::Ref<const Eigen::MatrixXd>& a,
                              const Eigen::Ref<const Eigen::MatrixXd>& X,
                              const Eigen::Ref<const Eigen::MatrixXd>& Y) {
  const double m = double(W.cols());
  const Eigen::MatrixXd S = prefix_softmax(W, X);
  const Eigen::MatrixXd F = m * (S * a);
  const Eigen::MatrixXd E = F - Y;
  // sum_l E_il m S_ir (a_rl - F_il / m) = m S_ir ((E a^T)_ir - <E_i, F_i> / m)
  const Eigen::VectorXd c = (E.array() * F.array()).rowwise().sum().matrix() / m;
  const Eigen::MatrixXd G = m * (S.array() * ((E * a.transpose()).colwise() - c).array()).matrix();
  return X.transpose() * G;
}

Eigen::MatrixXd empirical_ntk(const Eigen::Ref<const Eigen::MatrixXd>& W,
                              const Eigen::Ref<const Eigen::MatrixXd>& a,
                              const Eigen::Ref<const Eigen::MatrixXd>& X) {
  const Eigen::Index n = X.rows(), d = a.cols(), m = W.cols();
  const Eigen::MatrixXd S = prefix_softmax(W, X);
  const Eigen::MatrixXd F = double(m) * (S * a);
  Eigen::MatrixXd J(n * d, m);
  for (Eigen::Index l = 0; l < d; ++l)
    J.middleRows(l * n, n) = double(m) * (S.array().rowwise() * a.col(l).transpose().array() -
                                          S.array().colwise() * (F.col(l).array() / double(m)))
                                             .matrix();
  Eigen::MatrixXd H = J * J.transpose();
  const Eigen::MatrixXd G = X * X.transpose();
  for (Eigen::Index l1 = 0; l1 < d; ++l1)
    for (Eigen::Index l2 = 0; l2 < d; ++l2) H.block(l1 * n, l2 * n, n, n).array() *= G.array();
  return H;
}

Eigen::MatrixXd limit_kernel(const Eigen::Ref<const Eigen::MatrixXd>& X, double sigma) {
  const Eigen::MatrixXd G = X * X.transpose();
  return (G.array() * (sigma * sigma * G.array()).exp()).matrix();
}

Eigen::MatrixXd limit_ntk(const Eigen::Ref<const Eigen::MatrixXd>& X, double sigma) {
  const Eigen::Index n = X.rows(), d = X.cols();
  const Eigen::MatrixXd K = limit_kernel(X, sigma);
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(n * d, n * d);
  for (Eigen::Index l = 0; l < d; ++l) H.block(l * n, l * n, n, n) = K;
  return H;
}

}  // namespace ntk::core
