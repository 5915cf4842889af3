// Every array of the independent reference implementation (tests/data/reference, a copy of
// ../shared/reference) reproduced to a relative error of 1e-10.

#include "core/io/npy.h"
#include "core/kernels/ntk_attention.h"
#include "core/kernels/prefix_attention.h"
#include "tests/test_util.h"

#include <gtest/gtest.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ntk::core {
namespace {

namespace fs = std::filesystem;
constexpr double tolerance = 1e-10;

Eigen::MatrixXd load(const fs::path& dir, const std::string& name) { return read_npy(dir / (name + ".npy")).data; }

bool is_causal(const fs::path& dir) {
  std::ifstream in(dir / "case.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str().find("\"causal\": true") != std::string::npos;
}

class Reference : public ::testing::TestWithParam<std::string> {
 protected:
  fs::path dir() const { return fs::path(NTK_REFERENCE_DIR) / GetParam(); }
};

TEST_P(Reference, ExactAttentionDenseAndStreaming) {
  const fs::path d = dir();
  const Eigen::MatrixXd Q = load(d, "Q"), K = load(d, "K"), V = load(d, "V"), KP = load(d, "KP"), VP = load(d, "VP"),
                        expected = load(d, "exact");
  const bool causal = is_causal(d);
  EXPECT_LT(test::rel_error(prefix_attention_dense(Q, K, V, KP, VP, causal).T, expected), tolerance);
  EXPECT_LT(test::rel_error(prefix_attention_streaming(Q, K, V, MatrixPrefix(KP, VP), {causal, {}}).T, expected),
            tolerance);
}

TEST_P(Reference, NtkAttentionForEveryFeatureMap) {
  const fs::path d = dir();
  const Eigen::MatrixXd Q = load(d, "Q"), K = load(d, "K"), V = load(d, "V"), KP = load(d, "KP"), VP = load(d, "VP");
  const bool causal = is_causal(d);
  struct Variant {
    std::string tag;
    FeatureMapSpec spec;
  };
  std::vector<Variant> variants(4);
  variants[0].tag = "taylor2";
  variants[0].spec.degree = 2;
  variants[1].tag = "taylor4";
  variants[1].spec.degree = 4;
  variants[2].tag = "elu";
  variants[2].spec.kind = FeatureKind::elu;
  variants[3].tag = "favor";
  variants[3].spec.kind = FeatureKind::favor;
  variants[3].spec.omega = load(d, "omega");
  for (const Variant& v : variants) {
    SCOPED_TRACE(v.tag);
    const FeatureMap phi(v.spec, Q.cols());
    const NtkParams p = compress_prefix(MatrixPrefix(KP, VP), phi);
    EXPECT_LT(test::rel_error(p.Z, load(d, "Z_" + v.tag)), tolerance);
    EXPECT_LT(test::rel_error(p.k, load(d, "k_" + v.tag)), tolerance);
    const NtkResult r = ntk_attention(Q, K, V, phi, p, causal);
    EXPECT_EQ(r.status, Status::ok);
    EXPECT_LT(test::rel_error(r.T, load(d, "approx_" + v.tag)), tolerance);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, Reference, ::testing::Values("small", "small-causal", "medium"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace ntk::core
