#pragma once
// The NTK view's model (method.md section 8). The paper's exact stylized network could not be
// checked; this is the standard form from the same authors' line of work, and the application
// labels it so: n data points x_i on the unit sphere of R^d with targets y_i in R^d; trainable
// prefix keys W = [w_1 ... w_m] (d x m, the width is the prefix length m), w_r ~ N(0, sigma^2 I);
// fixed prefix values a in {-1, +1}^(m x d); S(x) = softmax(W^T x) over the m prefix slots and
// F(W, x)_l = m <a_{:, l}, S(x)>; loss (1/2) sum_i |F(W, x_i) - y_i|^2.

#include "core/params/ntk_settings.h"
#include "core/util/progress.h"

#include <Eigen/Core>
#include <cstdint>
#include <optional>

namespace ntk::core {

struct NtkProblem {
  Eigen::MatrixXd X;   ///< n x d, unit rows
  Eigen::MatrixXd Y;   ///< n x d targets, entries N(0, 1)
  Eigen::MatrixXd W0;  ///< d x m, the initial prefix keys
  Eigen::MatrixXd a;   ///< m x d, entries +-1
};

/// Draws the data, targets, initial keys and values of `spec` (seeded, any thread count).
/// Throws std::invalid_argument for sizes < 1 or sigma < 0.
NtkProblem make_problem(const NtkSpec& spec);

/// Row softmax of X W (n x m): S_ir = exp(<w_r, x_i>) / sum_r' exp(<w_r', x_i>).
Eigen::MatrixXd prefix_softmax(const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Eigen::MatrixXd>& X);

/// F(W, x_i) for every row (n x d): m S a.
Eigen::MatrixXd network_output(const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Eigen::MatrixXd>& a,
                               const Eigen::Ref<const Eigen::MatrixXd>& X);

/// (1/2) sum_i |F_i - y_i|^2.
double squared_loss(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::Ref<const Eigen::MatrixXd>& Y);

/// The loss's gradient with respect to W (d x m): sum_{i, l} (F_il - y_il) dF_l(x_i)/dw_r with
/// dF_l(x)/dw_r = m S_r(x) (a_rl - F_l(x) / m) x (method.md section 8).
Eigen::MatrixXd loss_gradient(const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Eigen::MatrixXd>& a,
                              const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::MatrixXd>& Y);

/// The empirical NTK H(W) (nd x nd), index (l, i) = l n + i (output coordinate major):
/// H_{(l1,i),(l2,j)} = sum_r <dF_l1(x_i)/dw_r, dF_l2(x_j)/dw_r> = (J J^T) o (1 1^T kron X X^T)
/// with J_{(l,i), r} = m S_ir (a_rl - F_il / m). J is never held whole: it is formed over chunks
/// of the width and J J^T accumulated over fixed segments reduced in order, so memory is
/// O((nd)^2) whatever m is and every thread count gives the same bits. `progress` (units:
/// columns of W, each pass) can stop it: the result is then empty.
std::optional<Eigen::MatrixXd> empirical_ntk(const Eigen::Ref<const Eigen::MatrixXd>& W,
                                             const Eigen::Ref<const Eigen::MatrixXd>& a,
                                             const Eigen::Ref<const Eigen::MatrixXd>& X, const Progress& progress);

/// Bytes a problem of `spec` and its streamed empirical kernel take at their peak: the problem
/// (W0 and a, O(d m)), the segment partials and the kernels (O((nd)^2)), one chunk per thread.
double ntk_kernel_bytes(const NtkSpec& spec);

/// The same, never cancelled.
Eigen::MatrixXd empirical_ntk(const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Eigen::MatrixXd>& a,
                              const Eigen::Ref<const Eigen::MatrixXd>& X);

/// The n x n kernel K_ij = <x_i, x_j> exp(sigma^2 <x_i, x_j>) whose d copies make H*.
Eigen::MatrixXd limit_kernel(const Eigen::Ref<const Eigen::MatrixXd>& X, double sigma);

/// H* = I_d kron K (nd x nd, same index as empirical_ntk): the limit of H(W(0)) / m as m grows.
Eigen::MatrixXd limit_ntk(const Eigen::Ref<const Eigen::MatrixXd>& X, double sigma);

}  // namespace ntk::core
