// What prefix tuning, NTK-Attention and LoRA train (core::parameter_counts): against the sizes of
// a real PEFT checkpoint, LoRA's factor shapes written out, and the break-even prefix lengths.

#include "core/io/captured_attention.h"
#include "core/io/peft_prefix.h"
#include "core/io/result_files.h"
#include "core/kernels/cost_model.h"
#include "core/params/parameters.h"
#include "core/pipeline/heads.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace ntk::core {
namespace {

namespace fs = std::filesystem;

// The tiny model (examples/tiny_model): 4 layers, 4 query heads of 32, 2 key/value heads, d_model
// 128, a prefix of m = 32 virtual tokens.
ModelShape tiny_model() {
  ModelShape shape;
  shape.layers = 4;
  shape.heads = 4;
  shape.kv_heads = 2;
  shape.d = 32;
  return shape;
}

FeatureMapSpec taylor(int degree) {
  FeatureMapSpec spec;
  spec.degree = degree;
  return spec;
}

// The prefix count is what the PEFT checkpoint stores: its prompt_embeddings tensor's entries.
TEST(ParameterCounts, ThePrefixIsWhatAPeftCheckpointStores) {
  const PeftPrefixCheckpoint checkpoint(fs::path(NTK_TEST_DATA_DIR) / "tiny_model" / "checkpoint");
  const ParameterCounts c = parameter_counts(tiny_model(), checkpoint.config().virtual_tokens, {taylor(2)});
  EXPECT_EQ(c.prefix, double(checkpoint.file().tensor("prompt_embeddings").size()));
  EXPECT_EQ(c.prefix, 16384.0);
}

// LoRA of rank 8 on W_Q (128 -> 4 x 32) and W_V (128 -> 2 x 32): A (8 x in) and B (out x 8) each.
TEST(ParameterCounts, LoraCountsItsTwoFactorsOnTheQueryAndValueProjections) {
  const ParameterCounts c = parameter_counts(tiny_model(), 32, {taylor(2)});
  const double per_layer = (8 * 128 + 128 * 8) + (8 * 128 + 64 * 8);
  EXPECT_EQ(c.lora, 4 * per_layer);
  EXPECT_EQ(c.lora_rank, 8);
  // The prefix trains 4 x 2 x 64 = 512 numbers a token: 28 tokens equal LoRA, 29 pass it.
  EXPECT_EQ(c.lora_break_even_m, 29);
  EXPECT_EQ(parameter_counts(tiny_model(), 28, {taylor(2)}).prefix, c.lora);
}

// Z (r x d_v) and k (r) per layer and key/value head, r = binom(d + g, g); at rank s, Z_A and Z_B.
TEST(ParameterCounts, NtkAttentionIsZAndKPerKeyValueHeadAndTheBreakEvenIsWhereThePrefixPassesIt) {
  const ParameterCounts c = parameter_counts(tiny_model(), 32, {taylor(1), taylor(2)});
  ASSERT_EQ(c.ntk.size(), 2u);
  EXPECT_EQ(c.ntk[0].r, 33);
  EXPECT_EQ(c.ntk[1].r, 561);
  EXPECT_EQ(c.ntk[1].parameters, 4 * 2 * (561.0 * 32 + 561));
  const double be = c.ntk[1].break_even_m;
  EXPECT_EQ(be, 290);
  EXPECT_GT(parameter_counts(tiny_model(), Eigen::Index(be), {}).prefix, c.ntk[1].parameters);
  EXPECT_LT(parameter_counts(tiny_model(), Eigen::Index(be) - 1, {}).prefix, c.ntk[1].parameters);
  const ParameterCounts low = parameter_counts(tiny_model(), 32, {taylor(2)}, 4);
  EXPECT_EQ(low.ntk[0].parameters, 4 * 2 * (4.0 * (561 + 32) + 561));
  EXPECT_EQ(&ntk_count(c, taylor(2)), &c.ntk[1]);
  EXPECT_THROW(ntk_count(c, taylor(3)), std::invalid_argument);
}

TEST(ParameterCounts, EveryMapIsCountedOnceAndImpossibleShapesAreRefused) {
  FeatureMapSpec favor;
  favor.kind = FeatureKind::favor;
  favor.features = 100;
  const std::vector<FeatureMapSpec> maps = counted_feature_maps(favor);
  EXPECT_EQ(maps.size(), 6u);  // Taylor 1-4, elu, and FAVOR+ with the current features
  EXPECT_EQ(maps.back().features, 100);
  EXPECT_EQ(counted_feature_maps(taylor(6)).size(), 7u);
  ModelShape shape = tiny_model();
  shape.kv_heads = 3;
  EXPECT_THROW(parameter_counts(shape, 32, {}), std::invalid_argument);
  shape.kv_heads = 0;
  EXPECT_THROW(parameter_counts(shape, 32, {}), std::invalid_argument);
}

// A comparison's metrics.json holds the counts of its one head; `heads` counts the whole model.
TEST(ParameterCounts, MetricsJsonAndTheHeadsViewCarryTheCounts) {
  Parameters p = default_parameters();
  p.workload.L = 8;
  p.workload.d = 4;
  p.workload.dv = 6;
  p.workload.m = 64;
  const Comparison c = compare_methods(p, {});
  const nlohmann::json json = nlohmann::json::parse(metrics_json(c, InputSource::generated, "{}"));
  const nlohmann::json& counts = json.at("parameter_counts");
  EXPECT_EQ(counts.at("prefix").get<double>(), 64 * (4 + 6));
  EXPECT_EQ(counts.at("model").at("dv").get<int>(), 6);
  ASSERT_EQ(counts.at("ntk_attention").size(), 6u);
  EXPECT_EQ(counts.at("ntk_attention")[1].at("r").get<int>(), c.r);  // degree 2, the run's map
  EXPECT_EQ(counts.at("ntk_attention")[1].at("parameters").get<double>(), c.cost.ntk.parameters);

  const fs::path dir = fs::path(NTK_TEST_DATA_DIR) / "tiny_model";
  const PeftPrefixCheckpoint checkpoint(dir / "checkpoint");
  const CapturedAttention inputs(dir / "activations.safetensors");
  Parameters q = default_parameters();
  q.feature.degree = 1;
  const ParameterCounts model = model_parameter_counts(compare_heads(prefix_layers(checkpoint), inputs, q));
  EXPECT_EQ(model.shape.layers, 4);
  EXPECT_EQ(model.shape.heads, 4);
  EXPECT_EQ(model.shape.kv_heads, 2);
  EXPECT_EQ(model.prefix, double(checkpoint.file().tensor("prompt_embeddings").size()));
  EXPECT_EQ(ntk_count(model, q.feature).parameters, 4 * 2 * (33.0 * 32 + 33));
}

}  // namespace
}  // namespace ntk::core
