#include "core/workload/workload.h"

#include <gtest/gtest.h>

namespace ntk::core {
namespace {

WorkloadSpec spec(WorkloadMode mode) {
  WorkloadSpec s;
  s.mode = mode;
  s.L = 5;
  s.d = 4;
  s.m = 37;
  s.seed = 11;
  return s;
}

TEST(Workload, GeneratedPrefixBlocksAgreeWithTheWholePrefix) {
  for (const WorkloadMode mode : {WorkloadMode::direct, WorkloadMode::projection}) {
    const WorkloadSpec s = spec(mode);
    const InputPart in = generate_inputs(s);
    const GeneratedPrefix prefix(s, in);
    Eigen::MatrixXd KP, VP;
    materialize(prefix, KP, VP);
    PrefixScratch scratch;
    const PrefixBlock blk = prefix.block(10, 9, scratch);
    EXPECT_TRUE(blk.KP.isApprox(KP.middleRows(10, 9), 1e-14));
    EXPECT_TRUE(blk.VP.isApprox(VP.middleRows(10, 9), 1e-14));
  }
}

TEST(Workload, ProjectionModeProjectsTokens) {
  const WorkloadSpec s = spec(WorkloadMode::projection);
  const InputPart in = generate_inputs(s);
  EXPECT_TRUE(in.Q.isApprox(in.X * in.WQ));
  Eigen::MatrixXd KP, VP;
  materialize(GeneratedPrefix(s, in), KP, VP);
  const Eigen::MatrixXd P = prefix_tokens(s, 0, s.m);
  EXPECT_TRUE(KP.isApprox(P * in.WK));
  EXPECT_TRUE(VP.isApprox(P * in.WV));
}

TEST(Workload, SameSeedSameWorkloadOtherSeedOtherWorkload) {
  WorkloadSpec s = spec(WorkloadMode::direct);
  const InputPart a = generate_inputs(s);
  EXPECT_EQ(a.Q, generate_inputs(s).Q);
  s.seed = 12;
  EXPECT_NE(a.Q, generate_inputs(s).Q);
}

TEST(Workload, BadSizesAreRefusedWithTheRange) {
  WorkloadSpec s = spec(WorkloadMode::direct);
  s.L = 0;
  EXPECT_THROW(generate_inputs(s), std::invalid_argument);
  s = spec(WorkloadMode::direct);
  s.scale = -1;
  EXPECT_THROW(validate(s), std::invalid_argument);
}

}  // namespace
}  // namespace ntk::core
