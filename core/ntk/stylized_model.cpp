#include "core/ntk/stylized_model.h"

#include "core/kernels/online_softmax.h"
#include "core/util/parallel.h"
#include "core/util/rng.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace ntk::core {
namespace {

constexpr Eigen::Index width_chunk = 2048;  // columns of W per step: J is nd x 2048

// X X^T, symmetric to the last bit: a plain product computes (i, j) and (j, i) in different
// places of the kernel, and with FMA (-march=native) they can differ in the last bits.
Eigen::MatrixXd gram(const Eigen::Ref<const Eigen::MatrixXd>& X) {
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(X.rows(), X.rows());
  G.selfadjointView<Eigen::Lower>().rankUpdate(X);
  return G.selfadjointView<Eigen::Lower>();
}

}  // namespace

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

Eigen::MatrixXd prefix_softmax(const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Eigen::MatrixXd>& X) {
  Eigen::MatrixXd S = X * W;
  S = (S.colwise() - S.rowwise().maxCoeff()).array().exp().matrix();
  S.array().colwise() /= S.rowwise().sum().array();
  return S;
}

Eigen::MatrixXd network_output(const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Eigen::MatrixXd>& a,
                               const Eigen::Ref<const Eigen::MatrixXd>& X) {
  return double(W.cols()) * (prefix_softmax(W, X) * a);
}

double squared_loss(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::Ref<const Eigen::MatrixXd>& Y) {
  return 0.5 * (F - Y).squaredNorm();
}

Eigen::MatrixXd loss_gradient(const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Eigen::MatrixXd>& a,
                              const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::MatrixXd>& Y) {
  const double m = double(W.cols());
  const Eigen::MatrixXd S = prefix_softmax(W, X);
  const Eigen::MatrixXd F = m * (S * a);
  const Eigen::MatrixXd E = F - Y;
  // sum_l E_il m S_ir (a_rl - F_il / m) = m S_ir ((E a^T)_ir - <E_i, F_i> / m)
  const Eigen::VectorXd c = (E.array() * F.array()).rowwise().sum().matrix() / m;
  const Eigen::MatrixXd G = m * (S.array() * ((E * a.transpose()).colwise() - c).array()).matrix();
  return X.transpose() * G;
}

std::optional<Eigen::MatrixXd> empirical_ntk(const Eigen::Ref<const Eigen::MatrixXd>& W,
                                             const Eigen::Ref<const Eigen::MatrixXd>& a,
                                             const Eigen::Ref<const Eigen::MatrixXd>& X, const Progress& progress) {
  const Eigen::Index n = X.rows(), d = a.cols(), m = W.cols(), nd = n * d;
  ProgressTracker tracker(progress, 2 * m);
  // Pass 1, serial and in column order: the online softmax (core/kernels/online_softmax.h) of
  // the queries X's rows over the keys W's columns with values a's rows gives each row's
  // maximum M, normaliser Z and the outputs F.
  SoftmaxState softmax(n, d);
  for (Eigen::Index c = 0; c < m && !tracker.cancelled(); c += width_chunk) {
    const Eigen::Index count = std::min(width_chunk, m - c);
    Eigen::MatrixXd S = W.middleCols(c, count).transpose() * X.transpose();  // keys x queries
    accumulate(softmax, S, a.middleRows(c, count));
    tracker.advance(count);
  }
  const Eigen::MatrixXd F = double(m) * normalized_output(softmax);
  const Eigen::VectorXd& M = softmax.max;
  const Eigen::VectorXd& Z = softmax.sum;
  // Pass 2: J over chunks, J J^T (lower triangle) per fixed segment, segments summed in order.
  const PrefixPartition part = partition_prefix(m, width_chunk, sizeof(double) * std::size_t(nd * nd));
  std::vector<Eigen::MatrixXd> partials(std::size_t(part.segments));
  parallel_tasks(part.segments, [&](Eigen::Index s) {
    Eigen::MatrixXd H = Eigen::MatrixXd::Zero(nd, nd);
    Eigen::MatrixXd J(nd, part.chunk);
    const Eigen::Index end = part.segment_begin(s) + part.segment_count(s);
    for (Eigen::Index c = part.segment_begin(s); c < end && !tracker.cancelled(); c += part.chunk) {
      const Eigen::Index count = std::min(part.chunk, end - c);
      const Eigen::MatrixXd S = ((X * W.middleCols(c, count)).colwise() - M).array().exp().colwise() / Z.array();
      for (Eigen::Index l = 0; l < d; ++l)  // m S_ir a_rl - S_ir F_il
        J.block(l * n, 0, n, count) =
            ((S.array().rowwise() * a.col(l).segment(c, count).transpose().array()) * double(m) -
             S.array().colwise() * F.col(l).array())
                .matrix();
      H.selfadjointView<Eigen::Lower>().rankUpdate(J.leftCols(count));
      tracker.advance(count);
    }
    partials[std::size_t(s)] = std::move(H);
  });
  if (tracker.cancelled()) return std::nullopt;
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(nd, nd);
  for (const Eigen::MatrixXd& p : partials) H += p;
  H = H.selfadjointView<Eigen::Lower>();
  const Eigen::MatrixXd G = gram(X);
  for (Eigen::Index l1 = 0; l1 < d; ++l1)
    for (Eigen::Index l2 = 0; l2 < d; ++l2) H.block(l1 * n, l2 * n, n, n).array() *= G.array();
  return H;
}

double ntk_kernel_bytes(const NtkSpec& spec) {
  const double nd = double(spec.n) * double(spec.d);
  const double segments = double(partition_prefix(spec.m, width_chunk, sizeof(double) * std::size_t(nd * nd)).segments);
  const double per_thread = (nd + 2 * double(spec.n)) * double(width_chunk);  // J, scores and S
  return 8.0 * ((5 + segments) * nd * nd + 2 * double(spec.d) * double(spec.m) + thread_count() * per_thread);
}

Eigen::MatrixXd empirical_ntk(const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Eigen::MatrixXd>& a,
                              const Eigen::Ref<const Eigen::MatrixXd>& X) {
  return *empirical_ntk(W, a, X, Progress{});
}

Eigen::MatrixXd limit_kernel(const Eigen::Ref<const Eigen::MatrixXd>& X, double sigma) {
  const Eigen::MatrixXd G = gram(X);
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
