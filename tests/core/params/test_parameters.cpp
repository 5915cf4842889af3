#include "core/params/parameters.h"

#include "tests/core/params/param_values.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace ntk::core {
namespace {

using test::other_values;

// Each value other than the default reads back as written, makes the parameters differ from the
// defaults, and moves no other parameter (a setter that wrote the wrong field fails here).
TEST(Parameters, EveryParameterRoundTripsThroughText) {
  const Parameters defaults = default_parameters();
  for (const std::span<const ParamSpec> table : {parameter_specs(), ntk_parameter_specs()}) {
    for (const ParamSpec& s : table) {
      const std::vector<std::string> values = other_values(s, defaults);
      ASSERT_FALSE(values.empty()) << s.key;
      for (const std::string& text : values) {
        Parameters p = defaults;
        s.set(p, text);
        EXPECT_EQ(s.get(p), text) << s.key;
        EXPECT_FALSE(p == defaults) << s.key << " = " << text;
        for (const ParamSpec& other : table) {
          if (other.key == s.key) continue;
          EXPECT_EQ(other.get(p), other.get(defaults)) << s.key << " = " << text << " moved " << other.key;
        }
      }
    }
  }
}

TEST(Parameters, DefaultsAreTheFirstWorkloadAUserSees) {
  const Parameters p = default_parameters();
  EXPECT_EQ(p.workload.L, 64);
  EXPECT_EQ(p.workload.d, 16);
  EXPECT_EQ(p.workload.m, 4096);
  EXPECT_EQ(p.workload.scale, 0.5);
  EXPECT_EQ(p.feature.kind, FeatureKind::taylor);
  EXPECT_EQ(p.feature.degree, 2);
  EXPECT_EQ(feature_dimension(p), 153);  // binom(18, 2)
}

TEST(Parameters, OutOfRangeValuesNameTheRange) {
  Parameters p;
  try {
    parameter_spec("L").set(p, "0");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("integer from 1 to 16384"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parameter_spec("m").set(p, "12.5"), std::invalid_argument);
  EXPECT_THROW(parameter_spec("scale").set(p, "abc"), std::invalid_argument);
  EXPECT_THROW(parameter_spec("feature").set(p, "relu"), std::invalid_argument);
  EXPECT_THROW(parameter_spec("causal").set(p, "maybe"), std::invalid_argument);
  EXPECT_THROW(parameter_spec("nope"), std::invalid_argument);
  // Regression (issue 11): 2^53 + 1 rounded to 2^53 as a double and was accepted as a seed.
  EXPECT_THROW(parameter_spec("seed").set(p, "9007199254740993"), std::invalid_argument);
  parameter_spec("seed").set(p, "9007199254740992");
  EXPECT_EQ(p.workload.seed, 9007199254740992ULL);
  parameter_spec("m").set(p, "1e3");  // written as a double, still whole
  EXPECT_EQ(p.workload.m, 1000);
}

TEST(Parameters, CommandLineNamesWhatDiffersFromTheDefaults) {
  Parameters p;
  EXPECT_EQ(command_line(p), "ntk-explorer compare");
  p.workload.m = 100;
  p.causal = true;
  EXPECT_EQ(command_line(p), "ntk-explorer compare --m 100 --causal=true");
  p.workload.match = 4;  // a planted match is a workload setting like any other
  EXPECT_EQ(command_line(p), "ntk-explorer compare --m 100 --match 4 --causal=true");
}

// The NTK view's and its training run's commands, every setting written out (an export footer).
TEST(Parameters, NtkCommandLinesWriteEverySetting) {
  Parameters p = default_parameters();
  p.ntk.model.m = 4096;
  p.ntk.model.sigma = 0.5;
  p.ntk.steps = 50;
  const std::string model = " --n " + std::to_string(p.ntk.model.n) + " --d " + std::to_string(p.ntk.model.d) +
                            " --m 4096 --sigma 0.5 --seed " + std::to_string(p.ntk.model.seed);
  EXPECT_EQ(ntk_command_line(p, false), "ntk-explorer ntk" + model + " --out DIR");
  EXPECT_EQ(ntk_command_line(p, true), "ntk-explorer train --target prefix" + model + " --eta 0 --steps 50 --out DIR");
}

// Which parameters shape a comparison (metrics.json lists only those, a sweep axis that moves
// nothing is refused): the table's `applies`, for each input source and feature map.
TEST(Parameters, EachParameterAppliesWhereItShapesTheComparison) {
  const auto not_applying = [](const Parameters& p, InputSource source) {
    std::string keys;
    for (const ParamSpec& s : parameter_specs())
      if (!parameter_applies(s.key, p, source)) keys += std::string(keys.empty() ? "" : " ") + std::string(s.key);
    return keys;
  };
  Parameters p = default_parameters();
  EXPECT_EQ(not_applying(p, InputSource::generated), "features orthogonal");
  EXPECT_EQ(not_applying(p, InputSource::arrays), "mode scale dist match seed features orthogonal");
  p.feature.kind = FeatureKind::favor;
  EXPECT_EQ(not_applying(p, InputSource::generated), "degree");
  EXPECT_EQ(not_applying(p, InputSource::arrays), "mode scale dist match degree");
  p.feature.omega = Eigen::MatrixXd::Ones(4, p.workload.d);  // given directions: nothing is drawn
  EXPECT_EQ(not_applying(p, InputSource::arrays), "mode scale dist match seed degree features orthogonal");
  p.feature.kind = FeatureKind::elu;
  p.feature.omega.resize(0, 0);
  EXPECT_EQ(not_applying(p, InputSource::generated), "degree features orthogonal");
}

// The window compares the comparison's settings apart from the NTK view's.
TEST(Parameters, SameValuesComparesOneTableOnly) {
  const Parameters a = default_parameters();
  Parameters b = a;
  b.ntk.model.m = 7;
  EXPECT_TRUE(same_values(parameter_specs(), a, b));
  EXPECT_FALSE(same_values(ntk_parameter_specs(), a, b));
  b = a;
  b.workload.match = 2;
  EXPECT_FALSE(same_values(parameter_specs(), a, b));
  EXPECT_TRUE(same_values(ntk_parameter_specs(), a, b));
}

TEST(Parameters, RankAboveMinOfRAndDIsRefused) {
  Parameters p;
  p.rank = 16;
  EXPECT_NO_THROW(validate(p));
  p.rank = 17;
  EXPECT_THROW(validate(p), std::invalid_argument);
}

}  // namespace
}  // namespace ntk::core
