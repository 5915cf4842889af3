// float32 (issue 12): the prefix work in float32, folded in float64 (method.md section 2). It
// must really be float32 (it differs from float64), stay within float32's rounding of it, keep
// the same bits through the window's cache (and for every thread count:
// Comparison.ResultsDoNotDependOnTheThreadCount), and report its gap.

#include "core/kernels/ntk_attention.h"
#include "core/kernels/prefix_attention.h"
#include "core/params/parameters.h"
#include "core/pipeline/comparison.h"

#include <gtest/gtest.h>

namespace ntk::core {
namespace {

double max_abs(const Eigen::MatrixXd& a) { return a.cwiseAbs().maxCoeff(); }

Parameters params(Eigen::Index L, Eigen::Index m) {
  Parameters p = default_parameters();
  p.workload.L = L;
  p.workload.m = m;
  return p;
}

// Dense-sized (50 x 1000) and streamed (100 x 30000, two query blocks, 15 segments), causal.
TEST(Precision, Float32IsWithinItsRoundingOfFloat64AndIsNotFloat64) {
  for (const Eigen::Index m : {Eigen::Index{1000}, Eigen::Index{30000}}) {
    SCOPED_TRACE(m);
    const WorkloadSpec w = params(m == 1000 ? 50 : 100, m).workload;
    const InputPart in = generate_inputs(w);
    const GeneratedPrefix prefix(w, in);
    const ExactResult e64 = prefix_attention(in.Q, in.K, in.V, prefix, {true, {}, Precision::float64});
    const ExactResult e32 = prefix_attention(in.Q, in.K, in.V, prefix, {true, {}, Precision::float32});
    const double exact_gap = max_abs(e32.T - e64.T) / max_abs(e64.T);
    EXPECT_LT(exact_gap, 1e-5);
    EXPECT_GT(exact_gap, 1e-9);
    EXPECT_LT((e32.log_normalizer - e64.log_normalizer).cwiseAbs().maxCoeff(), 1e-5);
    const FeatureMap phi({}, w.d);
    const NtkParams z64 = compress_prefix(prefix, phi, {}, Precision::float64);
    const NtkParams z32 = compress_prefix(prefix, phi, {}, Precision::float32);
    const double z_gap = max_abs(z32.Z - z64.Z) / max_abs(z64.Z);
    EXPECT_LT(z_gap, 1e-5);
    EXPECT_GT(z_gap, 1e-9);
    EXPECT_LT((z32.k - z64.k).cwiseAbs().maxCoeff() / z64.k.cwiseAbs().maxCoeff(), 1e-5);
    const NtkResult n64 = ntk_attention(in.Q, in.K, in.V, phi, z64, true, Precision::float64);
    const NtkResult n32 = ntk_attention(in.Q, in.K, in.V, phi, z32, true, Precision::float32);
    EXPECT_LT(max_abs(n32.T - n64.T) / max_abs(n64.T), 1e-5);
  }
}

// The window's cache keeps float64 and float32 folds apart: switching precision back and forth
// as m moves gives the bits of each comparison from scratch.
TEST(Precision, TheCacheKeepsEachPrecisionsFoldsApart) {
  LiveCache cache(std::size_t{64} << 20);
  ComparisonOptions live;
  live.cache = &cache;
  for (const auto& [m, precision] :
       {std::pair{Eigen::Index{20000}, Precision::float64}, std::pair{Eigen::Index{30000}, Precision::float32},
        std::pair{Eigen::Index{30000}, Precision::float64}, std::pair{Eigen::Index{20000}, Precision::float32}}) {
    SCOPED_TRACE(m);
    Parameters p = params(32, m);
    p.precision = precision;
    const Comparison cached = compare_methods(p, live);
    const Comparison scratch = compare_methods(p, {});
    ASSERT_TRUE(cached.pass);
    EXPECT_EQ(cached.exact.T, scratch.exact.T);
    EXPECT_EQ(cached.compressed.Z, scratch.compressed.Z);
    EXPECT_EQ(cached.approx.T, scratch.approx.T);
  }
}

TEST(Precision, AFloat32ComparisonReportsItsGapToFloat64) {
  Parameters p = params(64, 20000);
  const Comparison c64 = compare_methods(p, {});
  p.precision = Precision::float32;
  ComparisonOptions options;
  options.float64_gap = true;
  const Comparison c32 = compare_methods(p, options);
  ASSERT_TRUE(c32.float64_gap);
  EXPECT_EQ(c32.float64_gap->exact_max_abs, max_abs(c32.exact.T - c64.exact.T));
  EXPECT_EQ(c32.float64_gap->ntk_max_abs, max_abs(c32.approx.T - c64.approx.T));
  EXPECT_GT(c32.float64_gap->exact_max_abs, 0.0);
  EXPECT_FALSE(compare_methods(p, {}).float64_gap);  // only when asked
  EXPECT_FALSE(c64.float64_gap);
}

TEST(Precision, IsAParameter) {
  Parameters p = default_parameters();
  EXPECT_EQ(parameter_spec("precision").get(p), "float64");
  parameter_spec("precision").set(p, "float32");
  EXPECT_EQ(p.precision, Precision::float32);
  EXPECT_THROW(parameter_spec("precision").set(p, "float16"), std::invalid_argument);
}

}  // namespace
}  // namespace ntk::core
