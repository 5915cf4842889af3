// The sweep's grid grammar, its points and shards (core/sweep/sweep_plan.h), and the one sweep
// loop (core/sweep/sweep_run.h) that the command line and the Python module run.

#include "core/io/result_files.h"
#include "core/sweep/sweep_plan.h"
#include "core/sweep/sweep_run.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ntk::test {
namespace {

TEST(SweepPlan, AxisForms) {
  EXPECT_EQ(core::parse_axis("m=16..128:log2").values, (std::vector<std::string>{"16", "32", "64", "128"}));
  EXPECT_EQ(core::parse_axis("degree=1..3").values, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(core::parse_axis("scale=0.5..2:4").values, (std::vector<std::string>{"0.5", "1", "1.5", "2"}));
  EXPECT_EQ(core::parse_axis("feature=taylor,elu").values, (std::vector<std::string>{"taylor", "elu"}));
  EXPECT_THROW(core::parse_axis("m"), std::invalid_argument);
  EXPECT_THROW(core::parse_axis("bogus=1,2"), std::invalid_argument);
  EXPECT_THROW(core::parse_axis("m=10..1"), std::invalid_argument);
  EXPECT_THROW(core::parse_axis("scale=0.5..2"), std::invalid_argument);
  EXPECT_THROW(core::parse_axis("L=0..4"), std::invalid_argument);
  EXPECT_THROW(core::parse_axis("feature=taylor,relu"), std::invalid_argument);
  EXPECT_THROW(core::parse_shard("0/2"), std::invalid_argument);
  EXPECT_THROW(core::parse_shard("3/2"), std::invalid_argument);
  EXPECT_EQ(core::parse_shard("2/3"), (std::pair<long long, long long>{2, 3}));
}

// Regression (issue 10, item 7): m=10..1000:log gave 10 ... 640 and scale=0.1..1:log gave
// 0.1 ... 0.8. Ranges now include both ends and say their step.
TEST(SweepPlan, RangesIncludeTheirEndsAndNameTheirStep) {
  using V = std::vector<std::string>;
  EXPECT_EQ(core::parse_axis("m=10..1000:log:3").values, (V{"10", "100", "1000"}));
  EXPECT_EQ(core::parse_axis("scale=0.1..1:log:2").values, (V{"0.1", "1"}));
  EXPECT_EQ(core::parse_axis("m=16..1024:log:4").values, (V{"16", "64", "256", "1024"}));
  EXPECT_EQ(core::parse_axis("m=1..3:log:5").values, (V{"1", "2", "3"}));  // integers rounded, repeats dropped
  EXPECT_EQ(core::parse_axis("scale=0.1..1:3").values, (V{"0.1", "0.55", "1"}));
  for (const char* bad : {"m=10..1000:log", "m=10..1000:log2", "scale=0.1..1:log", "m=nan..1", "m=1..inf:log2",
                          "m=16..17179869184:log:1", "m=0..16:log:3", "scale=0.1..1:log:2.5"})
    EXPECT_THROW(core::parse_axis(bad), std::invalid_argument) << bad;
  try {
    core::parse_axis("m=10..1000:log2");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(":log:N"), std::string::npos) << e.what();
  }
}

TEST(SweepPlan, RepeatedOrUnusedAxesAreRefused) {
  EXPECT_THROW(core::expand(core::default_parameters(), {core::parse_axis("m=16,32"), core::parse_axis("m=64")}),
               std::invalid_argument);
  core::Parameters favor = core::default_parameters();
  favor.feature.kind = core::FeatureKind::favor;
  try {
    core::expand(favor, {core::parse_axis("degree=1..3")});
    ADD_FAILURE() << "degree with FAVOR+ was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no point of this sweep uses degree"), std::string::npos) << e.what();
  }
  // Varying the map too, degree applies at some points.
  EXPECT_EQ(core::expand(favor, {core::parse_axis("feature=taylor,favor"), core::parse_axis("degree=1..2")}).size(),
            4u);
}

TEST(SweepPlan, FirstAxisIsOutermost) {
  const auto points =
      core::expand(core::default_parameters(), {core::parse_axis("m=16,32"), core::parse_axis("degree=1..3")});
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(points[1].params.workload.m, 16);
  EXPECT_EQ(points[1].params.feature.degree, 2);
  EXPECT_EQ(points[3].params.workload.m, 32);
  EXPECT_EQ(points[3].params.feature.degree, 1);
}

// The loop computes exactly the shard's points that are not done, in order, each row the
// comparison of its own point; a false from `starting` stops it there.
TEST(SweepRun, ComputesTheShardsMissingPointsInOrder) {
  core::Parameters base = core::default_parameters();
  base.workload.L = 8;
  base.workload.d = 4;
  const std::vector<core::SweepAxis> axes{core::parse_axis("m=16..128:log2"), core::parse_axis("degree=1..2")};
  const std::vector<core::SweepPoint> points = core::expand(base, axes);
  ASSERT_EQ(points.size(), 8u);
  const std::string fingerprint = core::sweep_fingerprint(base, axes);
  core::SweepRunOptions options;
  options.shard = 2;
  options.shards = 3;  // points 1, 4 and 7
  options.done = {4};
  std::vector<long long> started, finished;
  options.starting = [&](const core::SweepPoint& p) { return started.push_back(p.index), true; };
  options.finished = [&](const core::SweepPoint& p, const std::vector<std::string>& row) {
    finished.push_back(p.index);
    const std::vector<std::string> own =
        core::sweep_row(p.index, 8, fingerprint, core::compare_methods(p.params, core::ComparisonOptions{}));
    const std::vector<std::string> header = core::sweep_header();
    for (std::size_t j = 0; j < header.size(); ++j) {
      if (header[j].find("_seconds") == std::string::npos) {
        EXPECT_EQ(row[j], own[j]) << header[j];
      }
    }
  };
  const core::SweepRunReport report = core::run_sweep(points, fingerprint, options);
  EXPECT_EQ(started, (std::vector<long long>{1, 7}));
  EXPECT_EQ(finished, (std::vector<long long>{1, 7}));
  EXPECT_EQ(report.expected, 3);
  EXPECT_EQ(report.computed, 2);
  EXPECT_FALSE(report.stopped);

  options.done.clear();
  started.clear();
  finished.clear();
  options.starting = [&](const core::SweepPoint& p) { return p.index < 4; };
  const core::SweepRunReport stopped = core::run_sweep(points, fingerprint, options);
  EXPECT_EQ(finished, (std::vector<long long>{1}));
  EXPECT_EQ(stopped.expected, 3);
  EXPECT_EQ(stopped.computed, 1);
  EXPECT_TRUE(stopped.stopped);
}

TEST(SweepRun, TheBudgetNamesThePointOverIt) {
  core::Parameters base = core::default_parameters();
  const std::vector<core::SweepPoint> points = core::expand(base, {core::parse_axis("L=8,4096")});
  const double need = core::check_sweep_budget(points, 1, 2, 1e7);  // shard 1 holds point 0 only
  EXPECT_GT(need, 0);
  try {
    core::check_sweep_budget(points, 2, 2, 1e7);
    ADD_FAILURE() << "point 1 passed a 10 MB budget";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("sweep point 1: ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace ntk::test
