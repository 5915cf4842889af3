#include "core/workload/workload.h"

#include "core/util/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

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
    const PrefixRows blk = prefix.block(10, 9, scratch);
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

// A workload is its seed's: its entries are the generator's draws of their own streams (pinned in
// test_rng.cpp), scaled, so the same seed gives the same workload on any machine; another seed
// gives another.
TEST(Workload, EntriesAreTheSeedsDraws) {
  WorkloadSpec s;
  s.L = 4;
  s.d = 3;
  s.m = 8;
  s.seed = 7;
  const InputPart a = generate_inputs(s);
  EXPECT_EQ(a.Q(0, 0), -0x1.2cc456cd990eap-7);
  EXPECT_EQ(a.K(3, 2), -0x1.2ec0dceb73ca4p-5);
  EXPECT_EQ(a.V(1, 1), 0x1.848c6533c416dp-2);
  Eigen::MatrixXd Q(s.L, s.d);
  fill_random(Q, s.dist, s.scale, s.seed, Stream::Q);
  EXPECT_EQ(a.Q, Q);
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

// The planted match (a retrieval-style workload): each of the first min(L, m) queries owns one
// prefix key, spread evenly, scoring s on average; every other row is the random workload's.
TEST(Workload, PlantedMatchGivesEachQueryItsOwnKeyAndChangesNothingElse) {
  WorkloadSpec s = spec(WorkloadMode::direct);
  const InputPart in = generate_inputs(s);
  Eigen::MatrixXd KP0, VP0;
  materialize(GeneratedPrefix(s, in), KP0, VP0);
  s.match = 3;
  EXPECT_EQ(generate_inputs(s).Q, in.Q);  // the inputs do not change
  const std::vector<Eigen::Index> positions = planted_positions(s);
  EXPECT_EQ(positions, (std::vector<Eigen::Index>{3, 11, 18, 25, 33}));  // floor((2i + 1) 37 / 10)
  const GeneratedPrefix prefix(s, in);
  Eigen::MatrixXd KP, VP;
  materialize(prefix, KP, VP);
  EXPECT_EQ(VP, VP0);
  const Eigen::VectorXd norms = in.Q.rowwise().norm();
  Eigen::MatrixXd planted(5, s.d);  // the planted keys, in the order of their queries
  for (Eigen::Index j = 0; j < s.m; ++j) {
    const auto at = std::find(positions.begin(), positions.end(), j);
    if (at == positions.end())
      EXPECT_EQ(KP.row(j), KP0.row(j)) << j;
    else
      planted.row(at - positions.begin()) = KP.row(j);
  }
  // Along its query, one common length; own scores s |q_i| / mean |q|, so s on average; and each
  // query's own key is its best planted key.
  const Eigen::MatrixXd scores = in.Q * planted.transpose() / std::sqrt(double(s.d));
  for (Eigen::Index i = 0; i < 5; ++i) {
    EXPECT_NEAR(planted.row(i).normalized().dot(in.Q.row(i).normalized()), 1.0, 1e-14) << i;
    EXPECT_NEAR(planted.row(i).norm(), planted.row(0).norm(), 1e-12) << i;
    EXPECT_NEAR(scores(i, i), 3.0 * norms(i) / norms.mean(), 1e-12) << i;
    Eigen::Index best = 0;
    scores.row(i).maxCoeff(&best);
    EXPECT_EQ(best, i);
  }
  EXPECT_NEAR(scores.diagonal().mean(), 3.0, 1e-12);
  PrefixScratch scratch;  // blocks that start and end between planted keys agree too
  for (const auto& [begin, count] : {std::pair<Eigen::Index, Eigen::Index>{4, 7}, {11, 1}, {12, 25}, {0, 37}})
    EXPECT_EQ(Eigen::MatrixXd(prefix.block(begin, count, scratch).KP), KP.middleRows(begin, count)) << begin;
}

TEST(Workload, PlantedMatchWithAShortPrefixPlantsEveryKeyAndAStrongOneWinsEveryRow) {
  WorkloadSpec s = spec(WorkloadMode::direct);
  s.m = 3;  // fewer prefix keys than queries: the first three queries own one each
  s.match = 1;
  EXPECT_EQ(planted_positions(s), (std::vector<Eigen::Index>{0, 1, 2}));
  s.m = 0;
  EXPECT_TRUE(planted_positions(s).empty());
  s.m = 4096;
  s.L = 16;
  s.match = 8;  // well above the random scores (about N(0, scale^4) = N(0, 0.0625) here)
  const InputPart in = generate_inputs(s);
  Eigen::MatrixXd KP, VP;
  materialize(GeneratedPrefix(s, in), KP, VP);
  const Eigen::MatrixXd scores = in.Q * KP.transpose();
  const std::vector<Eigen::Index> positions = planted_positions(s);
  for (Eigen::Index i = 0; i < s.L; ++i) {
    Eigen::Index best = 0;
    scores.row(i).maxCoeff(&best);
    EXPECT_EQ(best, positions[std::size_t(i)]) << i;
  }
}

TEST(Workload, PlantedMatchIsRefusedWhereItCannotBeHonoured) {
  WorkloadSpec s = spec(WorkloadMode::projection);
  s.match = 2;
  try {
    validate(s);
    FAIL() << "projection mode accepted a planted match";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--mode direct"), std::string::npos) << e.what();
  }
  s.mode = WorkloadMode::direct;
  for (const double bad : {-1.0, std::nan(""), HUGE_VAL}) {
    s.match = bad;
    EXPECT_THROW(validate(s), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace ntk::core
