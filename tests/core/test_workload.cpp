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

// The window's row cache grows by doubling: rows drawn a few at a time equal rows drawn at once,
// and a cancelled draw keeps what was held.
TEST(Workload, ExtendedRowsEqualMaterializedRowsAndGrowByDoubling) {
  WorkloadSpec s = spec(WorkloadMode::direct);
  s.m = 40000;
  const InputPart in = generate_inputs(s);
  Eigen::MatrixXd whole_KP, whole_VP;
  materialize(GeneratedPrefix(s, in), whole_KP, whole_VP);
  Eigen::MatrixXd KP, VP;
  Eigen::Index held = 0, longest = 0;
  for (const Eigen::Index m : {Eigen::Index{1000}, Eigen::Index{1500}, Eigen::Index{1200}, Eigen::Index{40000}}) {
    WorkloadSpec part = s;
    part.m = m;
    ASSERT_TRUE(extend_rows(GeneratedPrefix(part, in), KP, VP, held, 30000));
    longest = std::max(longest, m);
    EXPECT_EQ(held, longest);  // a smaller m draws nothing and forgets nothing
    EXPECT_EQ(KP.topRows(m), whole_KP.topRows(m));
    EXPECT_EQ(VP.topRows(m), whole_VP.topRows(m));
  }
  EXPECT_EQ(KP.rows(), 40000);  // 1000, then 2000 (doubled), then 40000 (past the limit: m itself)
  WorkloadSpec more = s;
  more.m = 50000;
  EXPECT_FALSE(extend_rows(GeneratedPrefix(more, in), KP, VP, held, 100000,
                           [](std::int64_t, std::int64_t) { return false; }));
  EXPECT_EQ(held, 40000);
  EXPECT_EQ(KP.topRows(40000), whole_KP);
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
