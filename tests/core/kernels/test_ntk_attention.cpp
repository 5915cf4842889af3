#include "core/kernels/ntk_attention.h"
#include "core/kernels/prefix_attention.h"
#include "core/util/parallel.h"
#include "tests/test_util.h"

#include <gtest/gtest.h>
#include <Eigen/SVD>
#include <cmath>
#include <limits>

namespace ntk::core {
namespace {

using test::random_matrix;
using test::rel_error;

FeatureMapSpec taylor(int g) {
  FeatureMapSpec s;
  s.degree = g;
  return s;
}

TEST(NtkAttention, ZeroParametersGivePlainAttention) {
  const Eigen::MatrixXd Q = random_matrix(7, 4, 1, 1), K = random_matrix(7, 4, 1, 2), V = random_matrix(7, 4, 1, 3),
                        none(0, 4);
  const FeatureMap phi(taylor(2), 4);
  const NtkParams zero{Eigen::MatrixXd::Zero(phi.dim(), 4), Eigen::VectorXd::Zero(phi.dim())};
  for (const bool causal : {false, true}) {
    const NtkResult ntk = ntk_attention(Q, K, V, phi, zero, causal);
    const ExactResult exact = prefix_attention_dense(Q, K, V, none, none, causal);
    EXPECT_LT(rel_error(ntk.T, exact.T), 1e-13);
  }
}

TEST(NtkAttention, StreamedCompressionEqualsTheClosedForm) {
  const Eigen::MatrixXd KP = random_matrix(5000, 3, 0.5, 4), VP = random_matrix(5000, 3, 1, 5);
  const FeatureMap phi(taylor(3), 3);
  const NtkParams p = compress_prefix(MatrixPrefix(KP, VP), phi);
  const Eigen::MatrixXd F = phi.apply(KP);
  EXPECT_LT(rel_error(p.Z, F.transpose() * VP), 1e-12);
  EXPECT_LT(rel_error(p.k, F.colwise().sum().transpose()), 1e-12);
  EXPECT_DOUBLE_EQ(p.max_abs_value, VP.cwiseAbs().maxCoeff());
}

TEST(NtkAttention, CompressionDoesNotDependOnTheThreadCount) {
  WorkloadSpec s;
  s.m = 100000;
  const InputPart in = generate_inputs(s);
  const FeatureMap phi(taylor(2), s.d);
  const int before = thread_count();
  set_thread_count(1);
  const NtkParams one = compress_prefix(GeneratedPrefix(s, in), phi);
  set_thread_count(2);
  const NtkParams two = compress_prefix(GeneratedPrefix(s, in), phi);
  set_thread_count(before);
  EXPECT_EQ(one.Z, two.Z);
  EXPECT_EQ(one.k, two.k);
}

TEST(NtkAttention, ErrorFallsAsTheTaylorDegreeGrows) {
  WorkloadSpec s;
  s.L = 32;
  s.d = 8;
  s.m = 4096;
  s.scale = 0.5;
  const InputPart in = generate_inputs(s);
  const GeneratedPrefix prefix(s, in);
  const ExactResult exact = prefix_attention(in.Q, in.K, in.V, prefix, {});
  double previous = 1e9;
  for (const int g : {1, 2, 3, 4}) {
    const FeatureMap phi(taylor(g), s.d);
    const NtkResult r = ntk_attention(in.Q, in.K, in.V, phi, compress_prefix(prefix, phi), false);
    const double err = (r.T - exact.T).cwiseAbs().maxCoeff();
    EXPECT_LT(err, previous) << "g " << g;
    previous = err;
  }
  EXPECT_LT(previous, 1e-4);
}

TEST(NtkAttention, OddDegreeWithLargeEntriesReportsNonPositiveDenominator) {
  // g = 1 with t << 0: 1 + t < 0 on every prefix key, so D goes negative.
  const Eigen::MatrixXd Q = Eigen::MatrixXd::Constant(2, 1, 4.0), K = Eigen::MatrixXd::Constant(2, 1, -4.0);
  const Eigen::MatrixXd V = Eigen::MatrixXd::Ones(2, 1);
  const Eigen::MatrixXd KP = Eigen::MatrixXd::Constant(100, 1, -3.0), VP = Eigen::MatrixXd::Ones(100, 1);
  const FeatureMap phi(taylor(1), 1);
  const NtkResult r = ntk_attention(Q, K, V, phi, compress_prefix(MatrixPrefix(KP, VP), phi), false);
  EXPECT_EQ(r.status, Status::non_positive_denominator);
  EXPECT_EQ(r.bad_rows, 2);
  EXPECT_LE(r.denominator.maxCoeff(), 0.0);
}

TEST(NtkAttention, FullRankFactorsReproduceZAndTruncationIsOptimal) {
  const Eigen::MatrixXd Z = random_matrix(15, 4, 1, 6);
  const LowRankZ full = truncate_rank(Z, 4);
  EXPECT_LT(rel_error(full.A * full.B, Z), 1e-12);
  const LowRankZ two = truncate_rank(Z, 2);
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(Z);
  // Eckart-Young: the spectral error of the best rank-2 approximation is sigma_3.
  Eigen::JacobiSVD<Eigen::MatrixXd> residual(Z - two.A * two.B);
  EXPECT_NEAR(residual.singularValues()(0), svd.singularValues()(2), 1e-10);
  EXPECT_THROW(truncate_rank(Z, 5), std::invalid_argument);
  EXPECT_THROW(truncate_rank(Z, 0), std::invalid_argument);
}

TEST(NtkAttention, LowRankEvaluationMatchesTheProduct) {
  const Eigen::MatrixXd Q = random_matrix(6, 4, 0.5, 7), K = random_matrix(6, 4, 0.5, 8), V = random_matrix(6, 4, 1, 9);
  const FeatureMap phi(taylor(2), 4);
  const NtkParams p = compress_prefix(MatrixPrefix(random_matrix(300, 4, 0.5, 10), random_matrix(300, 4, 1, 11)), phi);
  const LowRankZ lr = truncate_rank(p.Z, 3);
  const NtkParams product{lr.A * lr.B, p.k};
  EXPECT_LT(rel_error(ntk_attention(Q, K, V, phi, lr, p.k, true).T, ntk_attention(Q, K, V, phi, product, true).T),
            1e-12);
}

// Regression (issue 10, item 4): a positive denominator that is the small difference of large
// terms gave outputs of order 1e6 with status ok. Taylor g = 1, d = 1: phi(x) = (1, x). Input
// scores -16 make exp(-M) = e^16; the prefix term k = (100, S) with 100 + 4 S = (-2 + 1e-3) e^-16
// leaves D = 1e-3 against terms of about 1.8e9.
TEST(NtkAttention, CancellingDenominatorIsIllConditionedNotOk) {
  const Eigen::MatrixXd Q = Eigen::MatrixXd::Constant(2, 1, 4.0), K = Eigen::MatrixXd::Constant(2, 1, -4.0),
                        V = Eigen::MatrixXd::Ones(2, 1);
  const FeatureMap phi(taylor(1), 1);
  const double S = -(100 + (2 - 1e-3) * std::exp(-16.0)) / 4;
  NtkParams params{Eigen::MatrixXd::Ones(2, 1), Eigen::VectorXd(2)};
  params.k << 100, S;
  const NtkResult r = ntk_attention(Q, K, V, phi, params, false);
  EXPECT_EQ(r.status, Status::ill_conditioned_denominator);
  EXPECT_EQ(r.ill_conditioned_rows, 2);
  EXPECT_EQ(r.bad_rows, 0);
  EXPECT_GT(r.denominator.minCoeff(), 0);
  EXPECT_LT(r.min_denominator_ratio, denominator_cancellation_limit);
  // An even degree on ordinary inputs: every row well conditioned, the prefix share in (0, 1).
  const Eigen::MatrixXd Qn = random_matrix(9, 3, 0.5, 1), Kn = random_matrix(9, 3, 0.5, 2),
                        Vn = random_matrix(9, 3, 1, 3), KP = random_matrix(300, 3, 0.5, 4),
                        VP = random_matrix(300, 3, 1, 5);
  const FeatureMap even(taylor(2), 3);
  const NtkResult ok = ntk_attention(Qn, Kn, Vn, even, compress_prefix(MatrixPrefix(KP, VP), even), false);
  EXPECT_EQ(ok.status, Status::ok);
  EXPECT_GT(ok.min_denominator_ratio, 0.5);
  EXPECT_GT(ok.prefix_share.minCoeff(), 0.9);
  EXPECT_LT(ok.prefix_share.maxCoeff(), 1.0);
}

// Regression (issue 10, item 3): a NaN input made every denominator NaN, reported as a negative
// odd-degree polynomial. NaN is not finite, not negative.
TEST(NtkAttention, NonFiniteInputIsNotANegativeDenominator) {
  Eigen::MatrixXd Q = random_matrix(4, 2, 0.5, 1);
  Q(1, 1) = std::numeric_limits<double>::quiet_NaN();
  const Eigen::MatrixXd K = random_matrix(4, 2, 0.5, 2), V = random_matrix(4, 2, 1, 3);
  const FeatureMap phi(taylor(2), 2);
  const NtkParams zero{Eigen::MatrixXd::Zero(phi.dim(), 2), Eigen::VectorXd::Zero(phi.dim())};
  EXPECT_EQ(ntk_attention(Q, K, V, phi, zero, false).status, Status::not_finite);
}

}  // namespace
}  // namespace ntk::core
