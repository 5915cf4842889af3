#include "app/cli_args.h"
#include "app/progress_printer.h"
#include "core/io/npy.h"
#include "core/io/text_formats.h"
#include "core/pipeline/budget.h"
#include "tests/app/cli_test_util.h"
#include "tests/core/params/param_values.h"
#include "tests/test_util.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace ntk::test {
namespace {

namespace fs = std::filesystem;

TEST(Cli, HelpVersionAndEveryCommandsHelp) {
  const CliRun help = cli({"--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* command : {"generate", "compare", "sweep", "merge", "ntk", "train", "bench"}) {
    EXPECT_NE(help.out.find(command), std::string::npos);
    const CliRun h = cli({command, "--help"});
    EXPECT_EQ(h.code, 0) << command;
    EXPECT_NE(h.out.find("Usage: ntk-explorer " + std::string(command)), std::string::npos);
  }
  EXPECT_EQ(cli({"--version"}).out, "ntk-explorer " NTK_VERSION "\n");
  EXPECT_NE(cli({"compare", "--help"}).out.find("--degree VALUE"), std::string::npos);
}

// The command line's face of the parameter table: every value other than the default of every
// parameter reaches the parameters as typed (--key value and --key=value), and `compare --help`
// and `ntk --help` name each of their parameters with its range and default (the NTK view's eta
// and steps belong to `train --target prefix`, whose help names them beside the workload's).
TEST(Cli, EveryParameterOfTheTableIsAnOptionWithItsRangeAndDefault) {
  const core::Parameters defaults = core::default_parameters();
  const struct {
    const char* command;
    std::span<const core::ParamSpec> table;
  } faces[] = {{"compare", core::parameter_specs()}, {"ntk", core::ntk_parameter_specs()}};
  for (const auto& face : faces) {
    const std::string help = cli({face.command, "--help"}).out;
    for (const core::ParamSpec& s : face.table) {
      const std::string line = "--" + std::string(s.key) + (s.type == core::ParamType::flag ? " " : " VALUE");
      const auto at = help.find("\n  " + line);
      if (at == std::string::npos) {
        EXPECT_TRUE(s.key == "eta" || s.key == "steps") << face.command << " --help lacks " << line;
        EXPECT_NE(cli({"train", "--help"}).out.find("\n  " + line), std::string::npos) << line;
      } else {
        const std::string text = help.substr(at, help.find('\n', at + 1) - at);
        EXPECT_NE(text.find("[" + core::range_text(s) + "; default " + s.get(defaults) + "]"), std::string::npos)
            << text;
      }
      for (const std::string& value : other_values(s, defaults)) {
        for (const bool joined : {false, true}) {
          const std::string key = "--" + std::string(s.key);
          const std::vector<std::string> tokens =
              joined ? std::vector<std::string>{key + "=" + value} : std::vector<std::string>{key, value};
          core::Parameters p = defaults;
          app::apply_parameter_options(app::Args(tokens, app::parameter_options(face.table)), p, face.table);
          EXPECT_EQ(s.get(p), value) << face.command << " " << tokens[0];
        }
      }
    }
  }
}

TEST(Cli, BadUsageExitsTwoWithAHint) {
  const CliRun none = cli({});
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("Usage:"), std::string::npos);
  const CliRun unknown = cli({"frobnicate"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("unknown command 'frobnicate'"), std::string::npos);
  const CliRun flag = cli({"compare", "--no-such-flag"});
  EXPECT_EQ(flag.code, 2);
  EXPECT_NE(flag.err.find("unknown option --no-such-flag"), std::string::npos);
  EXPECT_NE(flag.err.find("ntk-explorer compare --help"), std::string::npos);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"compare", "--L", "0"},
           {"compare", "--m", "-5"},
           {"compare", "--scale", "abc"},
           {"compare", "--feature", "relu"},
           {"compare", "--degree"},
           {"compare", "--rank", "99"},
           {"compare", "--L", "3", "--L", "4"},
           {"compare", "--threads", "0"},
           {"compare", "--omega", "x.npy"},
           {"generate"},
           {"sweep", "--out", "x.csv"},
           {"merge", "--out", "x.csv"},
       }) {
    const CliRun r = cli(args);
    EXPECT_EQ(r.code, 2) << args[1];
    EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
  }
  // Issue 28: `--out ''` wrote ".partial" into the current folder.
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"sweep", "--vary", "m=16,32", "--L", "4", "--out", ""},
           {"merge", "a.csv", "--out", ""},
           {"compare", "--out="},
       }) {
    const CliRun r = cli(args);
    EXPECT_EQ(r.code, 2) << args[0];
    EXPECT_NE(r.err.find("--out needs a value, not an empty one"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(".partial"));
}

// Regressions from issue 11: `--causal false` turned the mask on ("false" was a stray word and
// stray words were ignored); absurd thread counts aborted in libgomp; --lr took "0.5abc".
TEST(Cli, FlagValuesStrayWordsThreadsAndRates) {
  const CliRun off = cli({"compare", "--L", "8", "--d", "4", "--m", "64", "--causal", "false"});
  ASSERT_EQ(off.code, 0) << off.err;
  EXPECT_EQ(off.out.find("causal"), std::string::npos) << off.out;
  const CliRun on = cli({"compare", "--L", "8", "--d", "4", "--m", "64", "--causal=true"});
  ASSERT_EQ(on.code, 0) << on.err;
  EXPECT_NE(on.out.find("causal"), std::string::npos) << on.out;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"compare", "--causal=maybe"},
           {"compare", "stray"},
           {"ntk", "--out", "x", "extra"},
           {"compare", "--threads", "100000"},
           {"train", "--target", "ntk-attention", "--lr", "0.5abc", "--out", "x"},
           {"train", "--target", "ntk-attention", "--lr", "1e300", "--out", "x"},
       }) {
    const CliRun r = cli(args);
    EXPECT_EQ(r.code, 2) << args[1];
    EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
  }
  EXPECT_NE(cli({"compare", "stray"}).err.find("unexpected argument 'stray'"), std::string::npos);
}

TEST(Cli, AbsurdSizesAreRefusedBeforeAnyWork) {
  const CliRun r = cli({"compare", "--d", "512", "--degree", "4"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("memory budget"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lower the Taylor degree"), std::string::npos) << r.err;
  EXPECT_EQ(cli({"compare", "--degree", "12", "--d", "512"}).code, 2);
}

// Issue 11: `compare --m 17179869184` and `sweep --vary L=1..16384` started work that could not
// end in any reasonable time; the cost model's estimate is checked against --work-budget first.
TEST(Cli, WorkPastTheWorkBudgetIsRefusedBeforeItStarts) {
  const CliRun one = cli({"compare", "--m", "17179869184"});
  EXPECT_EQ(one.code, 2);
  core::Parameters p = core::default_parameters();
  p.workload.m = 17179869184;
  char said[64];
  std::snprintf(said, sizeof said, "this comparison is about %.3g GFLOP", core::comparison_gflop(p));
  EXPECT_NE(one.err.find(said), std::string::npos) << one.err;
  EXPECT_NE(one.err.find("over the work budget of 20000 GFLOP"), std::string::npos) << one.err;
  const CliRun grid = cli({"sweep", "--vary", "L=1..16384", "--out", "/nonexistent/never.csv"});
  EXPECT_EQ(grid.code, 2);
  EXPECT_NE(grid.err.find("this sweep is about"), std::string::npos) << grid.err;
  EXPECT_EQ(cli({"compare", "--m", "4096", "--work-budget", "1"}).code, 0);  // 0.27 GFLOP
  EXPECT_EQ(cli({"compare", "--m", "65536", "--L", "256", "--work-budget", "1"}).code, 2);
}

class CliFiles : public CliTest {};

// Issue 11: an interrupted `train --target prefix` wrote the partial run under the final names.
TEST_F(CliFiles, AnInterruptedTrainingWritesNothing) {
  app::interrupted = true;
  const CliRun r = cli({"train", "--target", "prefix", "--steps", "100", "--out", path("t")});
  app::interrupted = false;
  EXPECT_EQ(r.code, 130);
  EXPECT_NE(r.err.find("nothing written"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("t/loss.csv")));
}

TEST_F(CliFiles, GenerateRefusesAWorkloadLargerThanTheDiskBeforeWriting) {
  const CliRun r = cli({"generate", "--m", "17179869184", "--d", "512", "--out", path("huge")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("lower --m"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("huge")));
}

TEST(Cli, DefaultComparePrintsTheErrorTable) {
  const CliRun r = cli({"compare"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("NTK-Attention taylor g=2"), std::string::npos);
  EXPECT_NE(r.out.find("153"), std::string::npos);
}

TEST_F(CliFiles, CompareOnReferenceInputsReproducesTheReference) {
  const fs::path ref = fs::path(NTK_REFERENCE_DIR) / "medium";
  for (const std::string tag : {"taylor2", "favor"}) {
    std::vector<std::string> args{"compare", "--inputs", ref.string(), "--out", path(tag)};
    if (tag == "favor") {
      args.insert(args.end(), {"--feature", "favor", "--omega", (ref / "omega.npy").string()});
    }
    const CliRun r = cli(args);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto load = [](const fs::path& p) { return core::read_npy(p).data; };
    EXPECT_LT(rel_error(load(path(tag) + "/exact.npy"), load(ref / "exact.npy")), 1e-10);
    EXPECT_LT(rel_error(load(path(tag) + "/approx.npy"), load(ref / ("approx_" + tag + ".npy"))), 1e-10);
    EXPECT_LT(rel_error(load(path(tag) + "/Z.npy"), load(ref / ("Z_" + tag + ".npy"))), 1e-10);
    EXPECT_LT(rel_error(load(path(tag) + "/k.npy"), load(ref / ("k_" + tag + ".npy"))), 1e-10);
    std::ifstream json(path(tag) + "/metrics.json");
    std::stringstream text;
    text << json.rdbuf();
    for (const char* key : {"\"max_abs_error\"", "\"rel_fro_error\"", "\"mse\"", "\"r\"", "\"exact_seconds\"",
                            "\"approx_seconds\"", "\"status\": \"ok\""})
      EXPECT_NE(text.str().find(key), std::string::npos) << key;
  }
}

TEST_F(CliFiles, GenerateThenCompareEqualsCompareOnTheGeneratedWorkload) {
  for (const char* mode : {"direct", "projection"}) {
    const std::string dir = path(std::string("w_") + mode);
    ASSERT_EQ(cli({"generate", "--mode", mode, "--L", "9", "--d", "4", "--m", "300", "--seed", "5", "--out", dir}).code,
              0);
    for (const char* f : {"Q", "K", "V", "KP", "VP"}) EXPECT_TRUE(fs::exists(dir + "/" + f + ".npy")) << f;
    EXPECT_EQ(fs::exists(dir + "/P.npy"), std::string(mode) == "projection");
    EXPECT_EQ(core::read_npy(dir + "/KP.npy").data.rows(), 300);
    ASSERT_EQ(cli({"compare", "--inputs", dir, "--out", dir + "/a"}).code, 0);
    ASSERT_EQ(
        cli({"compare", "--mode", mode, "--L", "9", "--d", "4", "--m", "300", "--seed", "5", "--out", dir + "/b"}).code,
        0);
    EXPECT_LT(rel_error(core::read_npy(dir + "/a/approx.npy").data, core::read_npy(dir + "/b/approx.npy").data), 1e-12);
  }
}

// g = 1 with t << 0 on every prefix key: 1 + t < 0 and D goes negative (method.md section 3).
TEST_F(CliFiles, OddDegreeWithNegativeDenominatorIsANumericalFailure) {
  const std::string dir = path("neg");
  fs::create_directories(dir);
  core::write_npy(dir + "/Q.npy", Eigen::MatrixXd::Constant(2, 1, 4.0));
  core::write_npy(dir + "/K.npy", Eigen::MatrixXd::Constant(2, 1, -4.0));
  core::write_npy(dir + "/V.npy", Eigen::MatrixXd::Ones(2, 1));
  core::write_npy(dir + "/KP.npy", Eigen::MatrixXd::Constant(100, 1, -3.0));
  core::write_npy(dir + "/VP.npy", Eigen::MatrixXd::Ones(100, 1));
  const CliRun r = cli({"compare", "--inputs", dir, "--degree", "1", "--out", dir + "/out"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("denominator D_ii <= 0 in 2 rows"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("use an even degree"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir + "/out/metrics.json"));  // the failure is recorded, not lost
  EXPECT_EQ(cli({"compare", "--inputs", dir, "--degree", "2"}).code, 0);
}

// Issue 26: decoding (fewer queries than input keys) and values of another width than the keys.
TEST_F(CliFiles, DecodingAndOtherValueWidthsComeFromTheArrays) {
  const std::string dir = path("decode");
  ASSERT_EQ(cli({"generate", "--L", "9", "--d", "3", "--dv", "5", "--queries", "2", "--m", "40", "--out", dir}).code,
            0);
  const CliRun r = cli({"compare", "--inputs", dir, "--causal", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto metrics = nlohmann::json::parse(r.out);
  EXPECT_EQ(metrics["L"], 9) << r.out;
  EXPECT_EQ(metrics["queries"], 2);
  EXPECT_EQ(metrics["dv"], 5);
  // The same workload generated gives the same result as its arrays.
  const CliRun generated =
      cli({"compare", "--L", "9", "--d", "3", "--dv", "5", "--queries", "2", "--m", "40", "--causal", "--json"});
  ASSERT_EQ(generated.code, 0) << generated.err;
  EXPECT_EQ(nlohmann::json::parse(generated.out)["max_abs_error"], metrics["max_abs_error"]);
  for (const auto& [args, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"compare", "--inputs", dir, "--queries", "1"}, "--queries describes a generated workload"},
           {{"compare", "--L", "4", "--queries", "5"}, "at most L = 4"}}) {
    const CliRun refused = cli(args);
    EXPECT_EQ(refused.code, 2) << refused.err;
    EXPECT_NE(refused.err.find(says), std::string::npos) << refused.err;
  }
}

TEST_F(CliFiles, MalformedInputFoldersAreRefused) {
  const std::string dir = path("w");
  ASSERT_EQ(cli({"generate", "--L", "5", "--d", "3", "--m", "20", "--out", dir}).code, 0);
  auto expect_error = [&](const std::string& fragment, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"compare", "--inputs", dir};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliRun r = cli(args);
    EXPECT_EQ(r.code, 2) << fragment;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  };
  expect_error("--m describes a generated workload", {"--m", "5"});
  core::write_npy(dir + "/VP.npy", Eigen::MatrixXd::Ones(19, 3));  // rows differ from KP
  expect_error("they must match");
  core::write_npy(dir + "/VP.npy", Eigen::MatrixXd::Ones(20, 4));  // width differs from V
  expect_error("the prefix values have width 4 but V has d_v = 3");
  core::write_npy(dir + "/VP.npy", Eigen::MatrixXd::Ones(20, 3));
  core::write_npy(dir + "/K.npy", Eigen::MatrixXd::Ones(6, 3));  // L differs from V
  expect_error("Q must be n x d, K L x d and V L x d_v");
  core::write_npy(dir + "/K.npy", Eigen::MatrixXd::Ones(5, 3));
  core::write_npy(dir + "/KP.npy", Eigen::MatrixXd::Ones(20, 2));
  core::write_npy(dir + "/VP.npy", Eigen::MatrixXd::Ones(20, 2));
  expect_error("the prefix keys have width 2");
  core::write_npy_vector(dir + "/KP.npy", Eigen::VectorXd::Ones(20));
  expect_error("must be a 2-D array");
  std::ofstream(dir + "/KP.npy", std::ios::trunc) << "garbage";
  expect_error("magic");
  fs::remove(dir + "/KP.npy");
  expect_error("KP.npy is missing");
  const CliRun r = cli({"compare", "--inputs", path("nowhere")});
  EXPECT_NE(r.err.find("is neither a folder nor an .npz file"), std::string::npos) << r.err;
  // Issue 28: an empty --omega became 256 random directions while the provenance listed the file.
  core::write_npy(path("omega.npy"), Eigen::MatrixXd(0, 3));
  const CliRun empty = cli({"compare", "--feature", "favor", "--d", "3", "--omega", path("omega.npy")});
  EXPECT_EQ(empty.code, 2);
  EXPECT_NE(empty.err.find("holds no FAVOR+ directions (shape 0 x 3)"), std::string::npos) << empty.err;
}

}  // namespace
}  // namespace ntk::test
