#include "core/kernels/errors.h"
#include "core/kernels/infinite_limit.h"
#include "core/kernels/prefix_attention.h"
#include "core/pipeline/comparison.h"
#include "core/util/parallel.h"

#include <gtest/gtest.h>

namespace ntk::core {
namespace {

TEST(Errors, MetricsOfAKnownDifference) {
  Eigen::MatrixXd exact(2, 2), approx(2, 2);
  exact << 1, 2, 3, 4;
  approx << 1, 2.5, 3, 3;
  const ErrorMetrics e = compare(exact, approx);
  EXPECT_DOUBLE_EQ(e.max_abs, 1.0);
  EXPECT_DOUBLE_EQ(e.mse, (0.25 + 1.0) / 4);
  EXPECT_DOUBLE_EQ(e.rel_fro, std::sqrt(1.25) / std::sqrt(30.0));
  EXPECT_DOUBLE_EQ(e.row_max_abs(0), 0.5);
  EXPECT_DOUBLE_EQ(e.row_max_abs(1), 1.0);
}

TEST(Errors, NanInTheApproximationMakesEveryMetricNan) {
  Eigen::MatrixXd exact = Eigen::MatrixXd::Ones(2, 2), approx = exact;
  approx(1, 1) = std::nan("");
  EXPECT_TRUE(std::isnan(compare(exact, approx).max_abs));
}

TEST(Errors, TaylorBoundHoldsOnMeasuredErrors) {
  for (const int g : {2, 3, 4, 6}) {
    Parameters p;
    p.workload.L = 16;
    p.workload.d = 4;
    p.workload.m = 2048;
    p.workload.scale = 0.4;
    p.feature.degree = g;
    const Comparison c = compare_methods(p, {});
    ASSERT_TRUE(c.bound.has_value());
    ASSERT_TRUE(c.bound->applies) << "g " << g;
    EXPECT_LE(c.errors.max_abs, c.bound->output) << "g " << g;
  }
}

TEST(Errors, TaylorKernelBoundIsTheLagrangeRemainder) {
  const TaylorBound b = taylor_bound(0.5, 2.0, 3);
  EXPECT_NEAR(b.kernel_rel, std::exp(0.5) * std::pow(0.5, 4) / 24, 1e-15);
  EXPECT_NEAR(b.output, 2 * b.kernel_rel / (1 - b.kernel_rel) * 2.0, 1e-15);
  EXPECT_FALSE(taylor_bound(5.0, 1.0, 1).applies);
}

// method.md section 6: projection mode, Gaussian prefix: exact attention tends to
// sigma^2 Q W_K^T W_V / sqrt(d) at about 1/sqrt(m).
TEST(InfiniteLimit, ExactAttentionApproachesTheClosedFormLikeOneOverSqrtM) {
  for (const Distribution dist : {Distribution::gaussian, Distribution::uniform}) {
    WorkloadSpec s;
    s.mode = WorkloadMode::projection;
    s.dist = dist;
    s.L = 16;
    s.d = 8;
    s.scale = 1.0;
    std::vector<double> distance;
    for (const Eigen::Index m : {Eigen::Index{1} << 8, Eigen::Index{1} << 14, Eigen::Index{1} << 18}) {
      s.m = m;
      const InputPart in = generate_inputs(s);
      const ExactResult r = prefix_attention(in.Q, in.K, in.V, GeneratedPrefix(s, in), {});
      distance.push_back((r.T - infinite_prefix_limit(s, in)).cwiseAbs().maxCoeff());
    }
    // Each step multiplies m by 64: 1/sqrt(m) shrinks 8-fold; allow 3x either way.
    for (std::size_t i = 1; i < distance.size(); ++i) {
      const double ratio = distance[i - 1] / distance[i];
      EXPECT_GT(ratio, 8.0 / 3) << "step " << i;
      EXPECT_LT(ratio, 8.0 * 3) << "step " << i;
    }
  }
}

TEST(InfiniteLimit, DirectModeLimitIsZeroAndApproached) {
  Parameters p;
  p.workload.L = 8;
  p.workload.d = 4;
  p.workload.m = 1 << 16;
  const Comparison c = compare_methods(p, {});
  ASSERT_TRUE(c.limit_distance.has_value());
  EXPECT_LT(*c.limit_distance, 0.05);
}

}  // namespace
}  // namespace ntk::core

namespace ntk::core {
namespace {

// The whole comparison, Eigen's own parallel products included, is bit-identical for 1 and 2
// threads (sizes large enough that Eigen splits its matrix products across threads), in float64
// and in float32.
TEST(Comparison, ResultsDoNotDependOnTheThreadCount) {
  Parameters p;
  p.workload.L = 256;
  p.workload.d = 64;
  p.workload.m = 20000;
  p.workload.mode = WorkloadMode::projection;
  p.rank = 8;
  for (const Precision precision : {Precision::float64, Precision::float32}) {
    SCOPED_TRACE(to_string(precision));
    p.precision = precision;
    const int before = thread_count();
    set_thread_count(1);
    const Comparison one = compare_methods(p, {});
    set_thread_count(2);
    const Comparison two = compare_methods(p, {});
    set_thread_count(before);
    EXPECT_EQ(one.exact.T, two.exact.T);
    EXPECT_EQ(one.compressed.Z, two.compressed.Z);
    EXPECT_EQ(one.approx.T, two.approx.T);
    EXPECT_EQ(one.errors.max_abs, two.errors.max_abs);
  }
}

}  // namespace
}  // namespace ntk::core
