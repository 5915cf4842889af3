#include "core/io/npy.h"
#include "core/io/text_formats.h"
#include "core/params/parameters.h"
#include "tests/app/cli_test_util.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace ntk::test {
namespace {

namespace fs = std::filesystem;
using CliNtk = CliTest;

TEST_F(CliNtk, NtkWritesBothKernelsAndTheirSpectra) {
  const CliRun run = cli({"ntk", "--n", "10", "--d", "3", "--m", "4096", "--sigma", "0.5", "--out", path("k")});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("standard stylized form"), std::string::npos);
  const Eigen::MatrixXd X = core::read_npy(m_dir / "k" / "X.npy").data;
  const Eigen::MatrixXd H = core::read_npy(m_dir / "k" / "H_empirical.npy").data;
  const Eigen::MatrixXd limit = core::read_npy(m_dir / "k" / "H_limit.npy").data;
  ASSERT_EQ(X.rows(), 10);
  ASSERT_EQ(H.rows(), 30);
  ASSERT_EQ(limit.cols(), 30);
  EXPECT_NEAR((X.rowwise().norm().array() - 1).abs().maxCoeff(), 0, 1e-15);
  // Index (l, i) = l n + i: the blocks off the diagonal of H* are zero, the diagonal ones K.
  EXPECT_EQ(limit.block(0, 10, 10, 10).norm(), 0.0);
  EXPECT_NEAR(limit(3, 5), X.row(3).dot(X.row(5)) * std::exp(0.25 * X.row(3).dot(X.row(5))), 1e-15);
  EXPECT_LT((H - limit).norm() / limit.norm(), 0.2);
  const core::CsvTable eig = core::read_csv(m_dir / "k" / "eigenvalues.csv");
  EXPECT_EQ(eig.header, (std::vector<std::string>{"index", "limit", "empirical"}));
  EXPECT_EQ(eig.rows.size(), 30u);
}

TEST_F(CliNtk, TrainPrefixWritesTheLossCurve) {
  const CliRun run = cli({"train", "--target", "prefix", "--m", "2048", "--steps", "20", "--out", path("t")});
  ASSERT_EQ(run.code, 0) << run.err;
  const core::CsvTable loss = core::read_csv(m_dir / "t" / "loss.csv");
  EXPECT_EQ(loss.header, (std::vector<std::string>{"step", "loss", "lambda_min", "weight_movement", "compute",
                                                   "predicted_loss_infinite_width", "predicted_loss_finite_width"}));
  ASSERT_EQ(loss.rows.size(), 21u);
  EXPECT_LT(std::stod(loss.rows.back()[1]), std::stod(loss.rows.front()[1]));
  EXPECT_EQ(std::stod(loss.rows.back()[4]), 2048.0 * 4 * 32 * 20);  // C = m d n T
}

TEST_F(CliNtk, TrainAttentionOverASweepOfM) {
  const CliRun run = cli({"train", "--target", "ntk-attention", "--mode", "projection", "--L", "8", "--d", "4",
                          "--steps", "50", "--eval", "2", "--sweep-m", "2..64:log2", "--out", path("s")});
  ASSERT_EQ(run.code, 0) << run.err;
  const core::CsvTable table = core::read_csv(m_dir / "s" / "error_vs_m.csv");
  ASSERT_EQ(table.rows.size(), 6u);  // 2, 4, ..., 64
  EXPECT_EQ(table.rows.front()[0], "2");
  EXPECT_EQ(table.rows.back()[0], "64");
  for (const auto& row : table.rows) EXPECT_EQ(row.back(), "ok");
}

TEST_F(CliNtk, WrongArgumentsExitTwoWithTheReason) {
  const struct {
    std::vector<std::string> args;
    const char* says;
  } bad[] = {
      {{"train", "--out", path("x")}, "--target must be"},
      {{"train", "--target", "prefix", "--feature", "elu", "--out", path("x")}, "does not apply"},
      {{"train", "--target", "ntk-attention", "--lr", "fast", "--out", path("x")}, "--lr must be"},
      {{"train", "--target", "ntk-attention", "--lr", "-1", "--out", path("x")}, "--lr must be positive"},
      {{"ntk", "--sigma", "9", "--out", path("x")}, "--sigma must be"},
      {{"ntk", "--n", "2000", "--d", "64", "--out", path("x")}, "memory budget"},
      {{"ntk"}, "--out DIR is required"},
      // Issue 28: --precision was accepted and ignored by both targets (exit 0 with "banana").
      {{"train", "--target", "prefix", "--precision", "banana", "--out", path("x")}, "does not apply"},
      {{"train", "--target", "ntk-attention", "--precision", "float32", "--out", path("x")}, "runs in float64"},
  };
  for (const auto& b : bad) {
    const CliRun run = cli(b.args);
    EXPECT_EQ(run.code, 2) << b.says;
    EXPECT_NE(run.err.find(b.says), std::string::npos) << run.err;
  }
  // Every comparison parameter the NTK model lacks is refused by --target prefix.
  for (const core::ParamSpec& s : core::parameter_specs()) {
    const auto ntk = core::ntk_parameter_specs();
    if (std::any_of(ntk.begin(), ntk.end(), [&](const core::ParamSpec& t) { return t.key == s.key; })) continue;
    std::vector<std::string> args = {"train", "--target", "prefix", "--out", path("x"), "--" + std::string(s.key)};
    if (s.type != core::ParamType::flag) args.push_back(s.get(core::default_parameters()));
    const CliRun run = cli(args);
    EXPECT_EQ(run.code, 2) << s.key;
    EXPECT_NE(run.err.find("does not apply"), std::string::npos) << s.key << ": " << run.err;
  }
}

// Regression (issue 10, item 8): a rank-s run was compared with the full-rank closed form, the
// factors were not saved, and k.npy was (r, 1) here but (r,) from compare.
TEST_F(CliNtk, TrainAttentionAtRankSComparesWithTheRankSClosedForm) {
  const CliRun run = cli({"train", "--target", "ntk-attention", "--L", "8", "--d", "4", "--m", "256", "--rank", "1",
                          "--steps", "30", "--eval", "2", "--out", path("r")});
  ASSERT_EQ(run.code, 0) << run.err;
  const core::NpyArray k = core::read_npy(m_dir / "r" / "k.npy");
  EXPECT_EQ(k.shape.size(), 1u);
  const auto ZA = core::read_npy(m_dir / "r" / "Z_A.npy").data, ZB = core::read_npy(m_dir / "r" / "Z_B.npy").data;
  const auto Z = core::read_npy(m_dir / "r" / "Z.npy").data;
  EXPECT_EQ(ZA.cols(), 1);
  EXPECT_EQ(ZB.rows(), 1);
  EXPECT_LT((ZA * ZB - Z).norm(), 1e-12 * Z.norm());
  std::ifstream in(m_dir / "r" / "result.json");
  std::stringstream text;
  text << in.rdbuf();
  const auto field = [&](const std::string& key) {
    const auto at = text.str().find("\"" + key + "\": ");
    return at == std::string::npos ? NAN : std::stod(text.str().substr(at + key.size() + 4));
  };
  // Rank 1 of a 4-column Z: its closed form is clearly worse than the full-rank one.
  EXPECT_GT(field("closed_error"), 2 * field("closed_error_full_rank")) << text.str();
  EXPECT_NE(text.str().find("\"provenance\""), std::string::npos);
  // The memory budget applies to this target too.
  const CliRun huge = cli({"train", "--target", "ntk-attention", "--d", "64", "--degree", "6", "--memory-budget", "100",
                           "--out", path("h")});
  EXPECT_EQ(huge.code, 2);
  EXPECT_NE(huge.err.find("over the memory budget"), std::string::npos) << huge.err;
}

// Item 5: ntk and train write the model they used (X, Y, W0, a) and their provenance.
TEST_F(CliNtk, NtkWritesItsModelAndProvenance) {
  ASSERT_EQ(cli({"ntk", "--n", "6", "--d", "2", "--m", "64", "--out", path("k")}).code, 0);
  for (const char* f : {"X.npy", "Y.npy", "W0.npy", "a.npy", "provenance.json"})
    EXPECT_TRUE(fs::exists(m_dir / "k" / f)) << f;
  EXPECT_EQ(core::read_npy(m_dir / "k" / "W0.npy").data.cols(), 64);
  ASSERT_EQ(
      cli({"train", "--target", "prefix", "--n", "6", "--d", "2", "--m", "64", "--steps", "3", "--out", path("t")})
          .code,
      0);
  for (const char* f : {"W0.npy", "W.npy", "a.npy", "Y.npy", "provenance.json"})
    EXPECT_TRUE(fs::exists(m_dir / "t" / f)) << f;
}

}  // namespace
}  // namespace ntk::test
