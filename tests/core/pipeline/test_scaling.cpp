#include "core/pipeline/scaling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

namespace ntk::core {
namespace {

TEST(Scaling, LengthsArePowersOfTwoUpToFourTimesM) {
  Parameters p = default_parameters();  // m = 4096
  const std::vector<Eigen::Index> lengths = scaling_lengths(p);
  ASSERT_FALSE(lengths.empty());
  EXPECT_EQ(lengths.front(), 16);
  EXPECT_EQ(lengths.back(), 16384);  // max(2^14, 4 m)
  for (std::size_t i = 1; i < lengths.size(); ++i) EXPECT_EQ(lengths[i], 2 * lengths[i - 1]);
  p.workload.m = 1 << 22;
  EXPECT_EQ(scaling_lengths(p).back(), 1 << 20);  // capped
  p.workload.L = 2048;
  p.workload.d = 256;
  EXPECT_LE(double(scaling_lengths(p).back()) * 2048 * 256, std::ldexp(1.0, 31));  // work cap
}

TEST(Scaling, FeatureVariantsFollowTheMap) {
  Parameters p = default_parameters();  // Taylor, d = 16, m = 4096
  std::vector<Parameters> v = feature_variants(p);
  ASSERT_GE(v.size(), 3u);
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i].feature.degree, int(i) + 1);
  p.feature.kind = FeatureKind::favor;
  v = feature_variants(p);
  ASSERT_EQ(v.size(), 7u);
  EXPECT_EQ(v.front().feature.features, 16);
  EXPECT_EQ(v.back().feature.features, 1024);
  p.feature.kind = FeatureKind::elu;
  EXPECT_EQ(feature_variants(p).size(), 1u);
  p.feature.kind = FeatureKind::taylor;
  p.rank = 8;  // rank stays valid for every variant (g = 1 has r = d + 1 >= 8 here)
  for (const Parameters& q : feature_variants(p)) EXPECT_NO_THROW(validate(q));
}

// Issue 13: error-against-r never showed g = 6 at d = 16 and said nothing; the cut is now said.
TEST(Scaling, TheTaylorSeriesSaysWhereItStops) {
  Parameters p = default_parameters();  // d = 16, m = 4096
  EXPECT_EQ(feature_variants(p).size(), 5u);
  EXPECT_EQ(feature_variants_cut(p), "g = 6 needs r = 74613 features, more than 65536");  // C(22, 6)
  p.workload.d = 8;  // r = C(14, 6) = 3003 at g = 6: the whole series
  EXPECT_EQ(feature_variants(p).size(), 6u);
  EXPECT_EQ(feature_variants_cut(p), "");
  p.workload.m = 1 << 20;  // g = 4: r = 495, 2 m r d = 8.3e9 <= 2^33; g = 5: r = 1287, 2.2e10 > 2^33
  EXPECT_EQ(feature_variants(p).size(), 4u);
  EXPECT_EQ(feature_variants_cut(p), "g = 5 needs 2 m r d = 21592276992 flops to compress the prefix, more than 2^33");
  p.feature.kind = FeatureKind::favor;
  EXPECT_EQ(feature_variants_cut(p), "");
}

TEST(Scaling, FitRecoversAPowerLaw) {
  std::vector<double> x, y;
  for (double v = 1; v <= 1024; v *= 2) {
    x.push_back(v);
    y.push_back(3.0 / std::sqrt(v));
  }
  x.push_back(-1);  // ignored: not positive
  y.push_back(1);
  const std::optional<LogLogFit> fit = fit_log_log(x, y);
  ASSERT_TRUE(fit.has_value());
  EXPECT_NEAR(fit->slope, -0.5, 1e-12);
  EXPECT_NEAR(std::exp(fit->intercept), 3.0, 1e-12);
  EXPECT_EQ(fit->points, 11);
  EXPECT_FALSE(fit_log_log({2.0}, {1.0}).has_value());
  EXPECT_FALSE(fit_log_log({2.0, 2.0}, {1.0, 3.0}).has_value());  // one x: no slope
}

TEST(Scaling, CrossoverOfALineAndAConstant) {
  const std::vector<double> x = {1, 10, 100, 1000}, rising = {1, 10, 100, 1000};
  const std::vector<double> flat = {50, 50, 50, 50};
  const std::optional<double> at = crossover(x, rising, flat);
  ASSERT_TRUE(at.has_value());
  EXPECT_NEAR(*at, 50.0, 1e-9);
  EXPECT_FALSE(crossover(x, flat, rising).has_value());  // ahead from the start: no crossing
  EXPECT_FALSE(crossover(x, std::vector<double>(4, 1.0), flat).has_value());
}

TEST(Scaling, PointMatchesTheComparison) {
  Parameters p = default_parameters();
  p.workload.m = 512;
  const ScalingPoint point = scaling_point(p);
  const Comparison c = compare_methods(p, {});
  EXPECT_EQ(point.status, Status::ok);
  EXPECT_EQ(point.m, 512);
  EXPECT_EQ(point.r, c.r);
  EXPECT_EQ(point.degree, 2);
  EXPECT_EQ(point.max_abs, c.errors.max_abs);
  EXPECT_EQ(point.rel_fro, c.errors.rel_fro);
  EXPECT_GT(point.exact_seconds, 0);
  EXPECT_GT(point.ntk_seconds, 0);
  EXPECT_DOUBLE_EQ(point.exact_bytes, c.cost.exact.bytes);
  EXPECT_DOUBLE_EQ(point.ntk_bytes, c.cost.ntk.bytes);
  EXPECT_EQ(point.ntk_parameters, c.cost.ntk.parameters);
  EXPECT_EQ(point.prefix_parameters, 512.0 * (16 + 16));  // keys and values, d = d_v = 16
  EXPECT_EQ(point.lora_parameters, 8.0 * (16 + 16) * 2);  // rank 8 on W_Q and W_V, d_model = d
  EXPECT_EQ(point.ntk_break_even_m, std::floor(c.cost.ntk.parameters / 32) + 1);
}

// The window's series and the module's: the m series then the feature series, every point in
// plan order, its parameters the plan's; a cancel stops the run between or inside points.
TEST(Scaling, ARunComputesThePlanInOrder) {
  Parameters p = default_parameters();
  p.workload.L = 4;
  p.workload.d = 4;
  const ScalingPlan plan = scaling_plan(p);
  ASSERT_EQ(plan.by_length.size(), scaling_lengths(p).size());
  ASSERT_EQ(plan.by_feature, feature_variants(p));
  for (std::size_t i = 0; i < plan.by_length.size(); ++i) {
    Parameters expected = p;
    expected.workload.m = scaling_lengths(p)[i];
    EXPECT_EQ(plan.by_length[i], expected);
  }
  std::vector<std::pair<ScalingSeriesKind, ScalingPoint>> points;
  ScalingRunOptions options;
  options.point = [&](ScalingSeriesKind kind, const ScalingPoint& point) { points.emplace_back(kind, point); };
  options.left_out = [] { ADD_FAILURE() << "nothing here is over the budget"; };
  ASSERT_EQ(run_scaling(plan, options), Status::ok);
  ASSERT_EQ(points.size(), plan.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const bool by_length = i < plan.by_length.size();
    const Parameters& q = by_length ? plan.by_length[i] : plan.by_feature[i - plan.by_length.size()];
    EXPECT_EQ(points[i].first, by_length ? ScalingSeriesKind::by_length : ScalingSeriesKind::by_feature);
    EXPECT_EQ(points[i].second.m, q.workload.m);
    EXPECT_EQ(points[i].second.max_abs, scaling_point(q).max_abs);
  }
  int calls = 0;
  options.progress = [&](std::int64_t, std::int64_t) { return ++calls < 5; };
  points.clear();
  EXPECT_EQ(run_scaling(plan, options), Status::cancelled);
  EXPECT_LT(points.size(), plan.size());
}

TEST(Scaling, CancelledPointSaysSo) {
  const ScalingPoint point = scaling_point(default_parameters(), [](std::int64_t, std::int64_t) { return false; });
  EXPECT_EQ(point.status, Status::cancelled);
}

// The window cancels a scaling point when the user changes something, also while a step is timed
// again: every run of a step reports to the progress callable (a repeat reports its step's end,
// nothing new), so a cancel in a repeat stops the comparison. (How often a step is repeated
// depends on the machine's speed; what every run reports does not.)
TEST(Scaling, EveryTimedRunOfAStepCanBeCancelled) {
  Parameters p = default_parameters();
  p.workload.L = 8;  // streamed (L (m + L) > 2^16), each run well under the timing budget
  p.workload.d = 4;
  p.workload.m = 8200;          // a chunk is over 1/49 of the rows: the compression's first report is past 50%
  ComparisonOptions timed;      // up to max_timing_runs
  int at_half = 0, at_end = 0;  // exact attention's runs end at 50%, the compression's at 99%
  timed.progress = [&](std::int64_t done, std::int64_t) {
    at_half += done == 50;
    at_end += done == 99;
    return true;
  };
  const Comparison c = compare_methods(p, timed);
  ASSERT_EQ(c.status, Status::ok);
  EXPECT_GE(at_half, c.exact_runs);
  EXPECT_GE(at_end, c.compress_runs);

  int seen = 0;
  timed.progress = [&](std::int64_t done, std::int64_t) { return !(done == 50 && ++seen == 2); };
  const Comparison stopped = compare_methods(p, timed);
  // The second report at 50% comes from the first repeat of exact attention, if it runs again.
  EXPECT_EQ(stopped.status, seen >= 2 ? Status::cancelled : Status::ok);
}

// method.md section 9: the infinite-prefix limit is approached at about 1/sqrt(m).
TEST(Scaling, LimitDistanceFallsLikeOneOverSqrtM) {
  Parameters p = default_parameters();
  p.workload.mode = WorkloadMode::projection;
  p.workload.L = 16;
  p.workload.d = 8;
  p.workload.scale = 1.0;
  std::vector<double> m, distance;
  for (Eigen::Index length = 1 << 10; length <= (1 << 18); length *= 4) {
    p.workload.m = length;
    const ScalingPoint point = scaling_point(p);
    ASSERT_TRUE(point.limit_distance.has_value());
    m.push_back(double(length));
    distance.push_back(*point.limit_distance);
  }
  const std::optional<LogLogFit> fit = fit_log_log(m, distance);
  ASSERT_TRUE(fit.has_value());
  EXPECT_NEAR(fit->slope, -0.5, 0.15);
}

// Invariant: with small entries the Taylor map's error falls as g grows.
TEST(Scaling, TaylorErrorFallsWithDegree) {
  Parameters p = default_parameters();
  double previous = std::numeric_limits<double>::infinity();
  for (const Parameters& q : feature_variants(p)) {
    if (q.feature.degree % 2) continue;  // odd degrees may go non-positive; even ones compare
    const ScalingPoint point = scaling_point(q);
    ASSERT_EQ(point.status, Status::ok);
    EXPECT_LT(point.max_abs, previous) << "g " << q.feature.degree;
    previous = point.max_abs;
  }
}

}  // namespace
}  // namespace ntk::core
