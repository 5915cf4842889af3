// Regressions of issue 10: what the program says must be true. Each test names the item.

#include "core/io/npy.h"
#include "core/io/sha256.h"
#include "core/io/text_formats.h"
#include "tests/app/cli_test_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

namespace ntk::test {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class Truth : public CliTest {
 protected:
  // A small generated workload written as .npy files, returned as the folder.
  std::string workload(const std::string& name) {
    const std::string dir = path(name);
    EXPECT_EQ(cli({"generate", "--L", "6", "--d", "3", "--m", "40", "--out", dir}).code, 0);
    return dir;
  }
};

// Item 3: NaN or infinity in any input is bad input (exit 2, the file and the first bad index),
// not a "negative odd-degree polynomial", whatever the feature map.
TEST_F(Truth, NonFiniteInputsNameTheFileAndIndex) {
  const std::string dir = workload("w");
  const auto poison = [&](const std::string& file, Eigen::Index i, Eigen::Index j, double value) {
    Eigen::MatrixXd a = core::read_npy(dir + "/" + file).data;
    a(i, j) = value;
    core::write_npy(dir + "/" + file, a);
  };
  poison("KP.npy", 7, 2, std::numeric_limits<double>::quiet_NaN());
  poison("KP.npy", 9, 0, std::numeric_limits<double>::quiet_NaN());
  for (const std::vector<std::string>& extra :
       std::vector<std::vector<std::string>>{{"--degree", "2"}, {"--feature", "favor"}, {"--feature", "elu"}}) {
    std::vector<std::string> args{"compare", "--inputs", dir};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliRun r = cli(args);
    EXPECT_EQ(r.code, 2) << extra[1];
    EXPECT_NE(r.err.find("KP.npy holds NaN at index [7, 2]"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("odd-degree"), std::string::npos) << r.err;
  }
  const std::string dir2 = workload("w2");
  Eigen::MatrixXd Q = core::read_npy(dir2 + "/Q.npy").data;
  Q(0, 1) = -std::numeric_limits<double>::infinity();
  core::write_npy(dir2 + "/Q.npy", Q);
  const CliRun inf = cli({"compare", "--inputs", dir2});
  EXPECT_EQ(inf.code, 2);
  EXPECT_NE(inf.err.find("Q.npy holds an infinite value at index [0, 1]"), std::string::npos) << inf.err;
  // Finite entries so large that the scores overflow float64.
  Q.setConstant(1e200);
  core::write_npy(dir2 + "/Q.npy", Q);
  Eigen::MatrixXd KP = core::read_npy(dir2 + "/KP.npy").data;
  KP.setConstant(1e200);
  core::write_npy(dir2 + "/KP.npy", KP);
  const CliRun overflow = cli({"compare", "--inputs", dir2});
  EXPECT_EQ(overflow.code, 2);
  EXPECT_NE(overflow.err.find("overflows float64"), std::string::npos) << overflow.err;
  EXPECT_EQ(overflow.err.find("odd-degree"), std::string::npos) << overflow.err;
}

// From issue 11: the budget held per file, so two arrays of 90 MB passed a budget of 100 MB.
TEST_F(Truth, InputArraysShareOneMemoryBudget) {
  const std::string dir = path("big");
  ASSERT_EQ(cli({"generate", "--L", "4", "--d", "64", "--m", "100000", "--out", dir}).code, 0);  // K_P, V_P: 51 MB each
  const CliRun r = cli({"compare", "--inputs", dir, "--memory-budget", "80"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("VP.npy"), std::string::npos) << r.err;
  EXPECT_EQ(cli({"compare", "--inputs", dir, "--memory-budget", "400"}).code, 0);
}

// Item 4: a positive denominator that cancels is a distinct status (exit 3), not "ok".
TEST_F(Truth, CancellingDenominatorIsReportedNotOk) {
  const std::string dir = path("c");
  fs::create_directories(dir);
  core::write_npy(dir + "/Q.npy", Eigen::MatrixXd::Constant(2, 1, 4.0));
  core::write_npy(dir + "/K.npy", Eigen::MatrixXd::Constant(2, 1, -4.0));
  core::write_npy(dir + "/V.npy", Eigen::MatrixXd::Ones(2, 1));
  // 100 keys with 100 + 4 sum(k_P) = (-2 + 1e-3) e^-16 (see test_ntk_attention.cpp).
  core::write_npy(dir + "/KP.npy", Eigen::MatrixXd::Constant(100, 1, -(100 + (2 - 1e-3) * std::exp(-16.0)) / 400));
  core::write_npy(dir + "/VP.npy", Eigen::MatrixXd::Ones(100, 1));
  const CliRun r = cli({"compare", "--inputs", dir, "--degree", "1", "--out", dir + "/out"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("denominator cancels in 2 rows"), std::string::npos) << r.err;
  const std::string metrics = read_text(dir + "/out/metrics.json");
  EXPECT_NE(metrics.find("\"status\": \"ill-conditioned denominator\""), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\"ill_conditioned_rows\": 2"), std::string::npos) << metrics;
}

// Item 4: at entry scale 5 the Taylor map's prefix term vanishes (g = 1 and g = 3 give the same
// error), and at 40 FAVOR+ features underflow: flagged in the output and in metrics.json.
TEST_F(Truth, DegenerateApproximationsAreFlagged) {
  for (const std::vector<std::string>& extra :
       std::vector<std::vector<std::string>>{{"--scale", "5", "--degree", "1"},
                                             {"--scale", "5", "--degree", "3"},
                                             {"--scale", "40", "--feature", "favor"}}) {
    std::vector<std::string> args{"compare", "--L", "16", "--m", "512", "--out", path("d")};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliRun r = cli(args);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("prefix term vanished"), std::string::npos) << extra[1] << ' ' << extra[3] << r.err;
    EXPECT_NE(read_text(path("d") + "/metrics.json").find("\"degenerate\": true"), std::string::npos);
  }
  const CliRun fine = cli({"compare", "--L", "16", "--m", "512", "--out", path("f")});
  EXPECT_EQ(fine.err.find("vanished"), std::string::npos) << fine.err;
  EXPECT_NE(read_text(path("f") + "/metrics.json").find("\"degenerate\": false"), std::string::npos);
}

// Item 5: metrics.json records only what applied, and where every output came from.
TEST_F(Truth, MetricsDescribeTheWorkloadThatRan) {
  const fs::path ref = fs::path(NTK_REFERENCE_DIR) / "medium";
  ASSERT_EQ(cli({"compare", "--inputs", ref.string(), "--feature", "favor", "--omega", (ref / "omega.npy").string(),
                 "--out", path("o")})
                .code,
            0);
  const auto m = nlohmann::json::parse(read_text(path("o") + "/metrics.json"));
  for (const char* absent : {"mode", "scale", "dist", "seed", "features", "degree", "orthogonal"})
    EXPECT_FALSE(m.contains(absent)) << absent << '\n' << m.dump(2);
  EXPECT_EQ(m.at("r"), core::read_npy(ref / "omega.npy").data.rows());
  EXPECT_EQ(m.at("inputs"), "arrays (--inputs)");
  const nlohmann::json& provenance = m.at("provenance");
  std::vector<std::string> hashes;
  for (const auto& input : provenance.at("inputs")) hashes.push_back(input.at("sha256"));
  for (const char* file : {"KP.npy", "omega.npy"})
    EXPECT_NE(std::find(hashes.begin(), hashes.end(), core::sha256_file(ref / file)), hashes.end()) << file;
  const std::vector<std::string> command = provenance.at("command_line");
  ASSERT_GE(command.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(command.begin(), command.begin() + 3),
            (std::vector<std::string>{"ntk-explorer", "compare", "--inputs"}));
  EXPECT_GE(provenance.at("threads").get<int>(), 1);
  EXPECT_EQ(provenance.at("precision"), "float64");
  EXPECT_TRUE(fs::exists(path("o") + "/omega.npy"));

  ASSERT_EQ(cli({"compare", "--d", "4", "--L", "8", "--m", "64", "--feature", "elu", "--out", path("e")}).code, 0);
  const auto e = nlohmann::json::parse(read_text(path("e") + "/metrics.json"));
  EXPECT_FALSE(e.contains("degree")) << e.dump(2);
  EXPECT_FALSE(e.contains("features")) << e.dump(2);
  EXPECT_EQ(e.at("seed"), 1);
  EXPECT_TRUE(e.at("provenance").at("inputs").empty()) << e.dump(2);
  // The drawn FAVOR+ directions are exported, and reading them back gives the same result.
  ASSERT_EQ(cli({"compare", "--d", "4", "--L", "8", "--m", "64", "--feature", "favor", "--features", "32", "--out",
                 path("f")})
                .code,
            0);
  ASSERT_EQ(core::read_npy(path("f") + "/omega.npy").data.rows(), 32);
  ASSERT_EQ(cli({"compare", "--d", "4", "--L", "8", "--m", "64", "--feature", "favor", "--omega",
                 path("f") + "/omega.npy", "--out", path("g")})
                .code,
            0);
  EXPECT_EQ(core::read_npy(path("g") + "/approx.npy").data, core::read_npy(path("f") + "/approx.npy").data);
}

// Item 10: no time prints as 0.0000, and the table says how times were taken.
// A float32 comparison says so everywhere it is reported, with its distance to float64.
TEST_F(Truth, Float32IsStatedWithItsGapToFloat64) {
  const CliRun table = cli({"compare", "--m", "20000", "--precision", "float32"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("m=20000, float32"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("float32 against the same comparison in float64: max-abs difference "), std::string::npos)
      << table.out;
  ASSERT_EQ(cli({"compare", "--m", "20000", "--precision", "float32", "--out", path("f")}).code, 0);
  const std::string m = read_text(path("f") + "/metrics.json");
  EXPECT_NE(m.find("\"precision\": \"float32\""), std::string::npos) << m;
  for (const char* key : {"\"float32_vs_float64_exact_max_abs\": ", "\"float32_vs_float64_ntk_max_abs\": "}) {
    const auto at = m.find(key);
    ASSERT_NE(at, std::string::npos) << key << m;
    const double gap = std::stod(m.substr(at + std::strlen(key)));
    EXPECT_GT(gap, 0.0) << key;
    EXPECT_LT(gap, 1e-5) << key;
  }
  const CliRun f64 = cli({"compare", "--m", "20000"});
  EXPECT_NE(f64.out.find("m=20000, float64"), std::string::npos);
  EXPECT_EQ(f64.out.find("float32 against"), std::string::npos);
  const CliRun bad = cli({"compare", "--precision", "float16"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("float64, float32"), std::string::npos) << bad.err;
}

TEST(TruthTable, TimesHaveUnitsAndTheMethodIsStated) {
  const CliRun r = cli({"compare", "--L", "8", "--m", "64", "--d", "4"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("0.0000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" us\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("times: wall clock on "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the median of 5 (exact)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ntk::test
