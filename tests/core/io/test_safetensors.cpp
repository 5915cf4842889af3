#include "core/io/captured_attention.h"
#include "core/io/npy.h"
#include "core/io/npz.h"
#include "core/io/peft_prefix.h"
#include "core/io/safetensors.h"
#include "core/kernels/prefix_attention.h"
#include "core/pipeline/heads.h"
#include "tests/test_util.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ntk::core {
namespace {

namespace fs = std::filesystem;

// A .safetensors file written byte by byte as the format specifies (an 8-byte little-endian
// header length, the JSON header, the data), independently of the reader.
struct RawTensor {
  std::string name, dtype, shape;  ///< shape as JSON, e.g. "[2, 3]"
  std::string bytes;
};

std::string safetensors_bytes(const std::vector<RawTensor>& tensors, const std::string& extra_header = "") {
  std::string header = "{", data;
  for (const RawTensor& t : tensors) {
    header += "\"" + t.name + "\": {\"dtype\": \"" + t.dtype + "\", \"shape\": " + t.shape + ", \"data_offsets\": [" +
              std::to_string(data.size()) + ", " + std::to_string(data.size() + t.bytes.size()) + "]},";
    data += t.bytes;
  }
  header += extra_header.empty() ? "\"__metadata__\": {\"format\": \"pt\"}}" : extra_header + "}";
  std::string out(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

template <class T>
std::string bytes_of(const std::vector<T>& values) {
  return {reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)};
}

class Safetensors : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() /
            ("ntk_st_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  fs::path write(const std::string& name, const std::string& bytes) const {
    std::ofstream(m_dir / name, std::ios::binary) << bytes;
    return m_dir / name;
  }
  // What the constructor says about `bytes` (empty when it accepts them).
  std::string refusal(const std::string& bytes) const {
    try {
      TensorFile file(write("bad.safetensors", bytes));
      return {};
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
  }

  fs::path m_dir;
};

TEST_F(Safetensors, EveryDtypeIsReadExactlyAsFloat64) {
  // 1, -2, the smallest subnormal 2^-24, 65504 (the largest half) and 0.5 in binary16; 1, -2 and
  // 2^-126 in bfloat16.
  const std::vector<std::uint16_t> half = {0x3C00, 0xC000, 0x0001, 0x7BFF, 0x3800, 0x0000};
  const std::vector<std::uint16_t> bf16 = {0x3F80, 0xC000, 0x0080, 0x0000};
  const std::vector<float> f32 = {0.1f, -3.5f};
  const std::vector<double> f64 = {0.1, -3.5, 1e300};
  const TensorFile file(write("all.safetensors", safetensors_bytes({{"h", "F16", "[2, 3]", bytes_of(half)},
                                                                    {"b", "BF16", "[4]", bytes_of(bf16)},
                                                                    {"f", "F32", "[1, 2]", bytes_of(f32)},
                                                                    {"d", "F64", "[3]", bytes_of(f64)}})));
  ASSERT_EQ(file.tensors().size(), 4u);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  const Eigen::MatrixXd h = file.read(file.tensor("h"));
  ASSERT_EQ(h.rows(), 2);
  ASSERT_EQ(h.cols(), 3);
  EXPECT_EQ(h(0, 0), 1.0);
  EXPECT_EQ(h(0, 1), -2.0);
  EXPECT_EQ(h(0, 2), std::ldexp(1.0, -24));
  EXPECT_EQ(h(1, 0), 65504.0);
  EXPECT_EQ(h(1, 1), 0.5);
  const Eigen::MatrixXd b = file.read(file.tensor("b"));
  EXPECT_EQ(b(0, 0), 1.0);
  EXPECT_EQ(b(1, 0), -2.0);
  EXPECT_EQ(b(2, 0), std::ldexp(1.0, -126));
  EXPECT_EQ(file.read(file.tensor("f"))(0, 0), double(0.1f));
  EXPECT_EQ(file.read(file.tensor("d"))(2, 0), 1e300);
  // A block: row 1, columns 1..2 of h.
  Eigen::MatrixXd block(1, 2);
  file.read(file.tensor("h"), 1, 1, 1, 2, block);
  EXPECT_EQ(block(0, 0), 0.5);
  EXPECT_EQ(block(0, 1), 0.0);
  EXPECT_THROW(file.read(file.tensor("h"), 1, 2, 0, 1, block.leftCols(1)), std::invalid_argument);
  try {
    file.tensor("nope");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("has no tensor 'nope' (it holds"), std::string::npos) << e.what();
  }
}

// Every malformed file is refused with what is wrong, naming the tensor where there is one.
TEST_F(Safetensors, MalformedFilesAreRefusedWithTheReason) {
  const std::string four = bytes_of(std::vector<float>{1, 2, 3, 4});
  const std::string good = safetensors_bytes({{"x", "F32", "[2, 2]", four}});
  EXPECT_EQ(refusal(good), "");
  const struct {
    std::string bytes;
    const char* says;
  } bad[] = {
      {"", "too short"},
      {"abc", "too short"},
      {good.substr(0, 20), "runs past the end of the file"},
      {good.substr(0, good.size() - 4), "tensor 'x' of"},  // the data cut short
      {safetensors_bytes({{"x", "I64", "[2]", bytes_of(std::vector<std::int64_t>{1, 2})}}), "is I64; the tensors read"},
      {safetensors_bytes({{"x", "F32", "[3, 2]", four}}), "of shape [3, 2] in F32 needs 24 bytes"},
      {safetensors_bytes({{"x", "F32", "[2, -2]", four}}), "shape entry that is not a size"},
      {safetensors_bytes({{"x", "F32", "[4]", four}},
                         "\"y\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}"),
       "overlap"},
      {safetensors_bytes({{"x", "F32", "[4]", four}}, "\"y\": {\"dtype\": \"F32\"}"), "needs \"dtype\", \"shape\""},
      {std::string("\x05\0\0\0\0\0\0\0{\"x\":", 13), "not valid JSON"},
      {std::string("\x02\0\0\0\0\0\0\0[]", 10), "not a JSON object"},
  };
  for (const auto& b : bad) {
    const std::string said = refusal(b.bytes);
    EXPECT_NE(said.find(b.says), std::string::npos) << "expected '" << b.says << "', got '" << said << "'";
  }
  // A NaN is named with its place when the tensor is read.
  const TensorFile nan(write("nan.safetensors",
                             safetensors_bytes({{"w", "F32", "[2, 2]", bytes_of(std::vector<float>{1, 2, NAN, 4})}})));
  try {
    nan.read(nan.tensor("w"));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'w' of"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("holds NaN at row 1, column 0"), std::string::npos) << e.what();
  }
  EXPECT_NE(refusal("").find("bad.safetensors"), std::string::npos);  // the file is named
}

// The prefix-tuning checkpoint PEFT writes: entry (t, c) of prompt_embeddings is token t's value
// at column c = ((2 l + kv) heads + h) head_dim + j for layer l, keys (kv = 0) or values (1),
// head h and entry j (PEFT's view as [m, layers * 2, heads, head_dim]). The values encode
// (t, l, kv, h, j) in units of 2^-16, exact in float32, and small like a model's keys.
class PeftCheckpoint : public Safetensors {
 protected:
  static constexpr std::int64_t m = 5, layers = 3, heads = 2, head_dim = 4;
  static double value(std::int64_t t, std::int64_t l, std::int64_t kv, std::int64_t h, std::int64_t j) {
    return double(t * 10000 + l * 1000 + kv * 100 + h * 10 + j) / 65536;
  }
  fs::path checkpoint(const std::string& config, const std::string& shape = "[5, 48]") const {
    std::vector<float> e;
    for (std::int64_t t = 0; t < m; ++t)
      for (std::int64_t l = 0; l < layers; ++l)
        for (std::int64_t kv = 0; kv < 2; ++kv)
          for (std::int64_t h = 0; h < heads; ++h)
            for (std::int64_t j = 0; j < head_dim; ++j) e.push_back(float(value(t, l, kv, h, j)));
    write("adapter_model.safetensors", safetensors_bytes({{"prompt_embeddings", "F32", shape, bytes_of(e)}}));
    write("adapter_config.json", config);
    return m_dir;
  }
  static std::string config(const std::string& extra = "") {
    return "{\"peft_type\": \"PREFIX_TUNING\", \"num_virtual_tokens\": 5, \"num_layers\": 3, "
           "\"num_attention_heads\": 2, \"token_dim\": 8, \"prefix_projection\": false" +
           extra + "}";
  }
};

TEST_F(PeftCheckpoint, EachLayerAndHeadIsItsSliceOfThePromptEmbeddings) {
  const PeftPrefixCheckpoint c(checkpoint(config()));
  EXPECT_EQ(c.config().virtual_tokens, m);
  EXPECT_EQ(c.config().head_dim, head_dim);
  EXPECT_EQ(c.config().dtype, TensorDtype::f32);
  for (std::int64_t l = 0; l < layers; ++l)
    for (std::int64_t h = 0; h < heads; ++h) {
      const auto prefix = c.prefix(l, h);
      ASSERT_EQ(prefix->rows(), m);
      ASSERT_EQ(prefix->dim(), head_dim);
      PrefixScratch scratch;
      const PrefixRows rows = prefix->block(1, 3, scratch);  // tokens 1, 2, 3
      for (Eigen::Index t = 0; t < 3; ++t)
        for (Eigen::Index j = 0; j < head_dim; ++j) {
          EXPECT_EQ(rows.KP(t, j), value(t + 1, l, 0, h, j));
          EXPECT_EQ(rows.VP(t, j), value(t + 1, l, 1, h, j));
        }
    }
  EXPECT_THROW(c.prefix(layers, 0), std::invalid_argument);
  EXPECT_THROW(c.prefix(0, -1), std::invalid_argument);
}

// Exact attention streamed from the file equals exact attention over the same arrays in memory,
// bit for bit (the file is read block by block, never whole).
TEST_F(PeftCheckpoint, APrefixStreamedFromTheFileGivesTheBitsOfTheArrays) {
  const PeftPrefixCheckpoint c(checkpoint(config()));
  const auto prefix = c.prefix(2, 1);
  Eigen::MatrixXd KP, VP;
  ASSERT_TRUE(materialize(*prefix, KP, VP));
  ASSERT_EQ(KP.rows(), m);
  EXPECT_EQ(KP(4, 3), value(4, 2, 0, 1, 3));
  const MatrixPrefix held(KP, VP);
  const Eigen::MatrixXd Q = test::random_matrix(3, head_dim, 1, 7), K = test::random_matrix(3, head_dim, 1, 8),
                        V = test::random_matrix(3, head_dim, 1, 9);
  const ExactResult from_file = prefix_attention(Q, K, V, *prefix, {});
  const ExactResult from_arrays = prefix_attention(Q, K, V, held, {});
  ASSERT_EQ(from_file.status, Status::ok);
  EXPECT_EQ(from_file.T, from_arrays.T);
}

TEST_F(PeftCheckpoint, InconsistentCheckpointsAreRefusedNamingWhat) {
  const auto refused = [&](const std::string& cfg, const std::string& shape = "[5, 48]") -> std::string {
    try {
      PeftPrefixCheckpoint c(checkpoint(cfg, shape));
      return {};
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
  };
  EXPECT_EQ(refused(config()), "");
  EXPECT_NE(refused("{\"peft_type\": \"LORA\"}").find("describes a LORA adapter"), std::string::npos);
  EXPECT_NE(refused("{nope").find("adapter_config.json is not valid JSON"), std::string::npos);
  EXPECT_NE(refused(config().replace(config().find("\"token_dim\": 8"), 14, "\"token_dim\": 7"))
                .find("token_dim 7 is not a multiple of num_attention_heads 2"),
            std::string::npos);
  EXPECT_NE(refused(config().replace(config().find("\"num_layers\": 3"), 15, "\"num_layers\": 0"))
                .find("\"num_layers\" must be a positive integer"),
            std::string::npos);
  // The shape the config gives, and a hint for the unprojected embedding.
  EXPECT_NE(refused(config(), "[6, 40]").find("has shape [6, 40], but"), std::string::npos);
  const std::string unprojected =
      refused(config().replace(config().find("\"num_layers\": 3"), 15, "\"num_layers\": 2"), "[5, 48]");
  EXPECT_NE(unprojected.find("[num_virtual_tokens, num_layers * 2 * token_dim] = [5, 32]"), std::string::npos)
      << unprojected;
  fs::remove(m_dir / "adapter_config.json");
  try {
    PeftPrefixCheckpoint c(m_dir);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be read: give the folder PEFT's save_pretrained wrote"),
              std::string::npos);
  }
}

// A checkpoint in bfloat16 laid out as PEFT saves it, against the keys and values PyTorch makes
// of it the way PEFT's get_prompt does (view, permute, split; tests/data/peft_prefix/make.py):
// every layer and head, entry for entry.
TEST(PeftCheckpointReference, EveryLayerAndHeadIsWhatPeftsGetPromptMakes) {
  const fs::path dir = fs::path(NTK_TEST_DATA_DIR) / "peft_prefix";
  const PeftPrefixCheckpoint c(dir);
  ASSERT_EQ(c.config().dtype, TensorDtype::bf16);
  ASSERT_EQ(c.config().layers, 3);
  ASSERT_EQ(c.config().heads, 2);
  for (std::int64_t l = 0; l < c.config().layers; ++l)
    for (std::int64_t h = 0; h < c.config().heads; ++h) {
      Eigen::MatrixXd KP, VP;
      ASSERT_TRUE(materialize(*c.prefix(l, h), KP, VP));
      const std::string name = "expected_layer" + std::to_string(l) + "_head" + std::to_string(h);
      EXPECT_EQ(KP, read_npy(dir / (name + "_K.npy")).data) << name;
      EXPECT_EQ(VP, read_npy(dir / (name + "_V.npy")).data) << name;
    }
}

// A capture written byte by byte: layer 0 with 4 query heads, 2 key/value heads, n = 2, L = 3,
// d = 2, d_v = 3; entry i of a tensor is `base + i`.
std::vector<RawTensor> capture_tensors(const std::string& queries_shape = "[4, 2, 2]", int query_entries = 16) {
  const auto entries = [](int count, float base) {
    std::vector<float> v(std::size_t(count), 0.0F);
    for (int i = 0; i < count; ++i) v[std::size_t(i)] = base + float(i) / 8.0F;
    return bytes_of(v);
  };
  return {{"layers.0.queries", "F32", queries_shape, entries(query_entries, 0)},
          {"layers.0.keys", "F32", "[1, 2, 3, 2]", entries(12, 1)},
          {"layers.0.values", "F32", "[2, 3, 3]", entries(18, -1)}};
}

TEST_F(Safetensors, CapturedHeadsAreTheirSlicesAndGroupedHeadsShareAKeyValueHead) {
  const CapturedAttention c(write("capture.safetensors", safetensors_bytes(capture_tensors())));
  ASSERT_EQ(c.layers(), 1);
  const CapturedLayer& s = c.layer(0);
  EXPECT_EQ(s.heads, 4);
  EXPECT_EQ(s.kv_heads, 2);
  EXPECT_EQ(s.queries, 2);
  EXPECT_EQ(s.tokens, 3);
  EXPECT_EQ(s.dim, 2);
  EXPECT_EQ(s.value_dim, 3);
  // Row-major [heads, tokens, dim]: entry (h, t, j) is h * tokens * dim + t * dim + j.
  EXPECT_EQ(c.queries(0, 3)(1, 0), 0 + (3 * 4 + 1 * 2 + 0) / 8.0);
  EXPECT_EQ(c.keys(0, 1)(2, 1), 1 + (1 * 6 + 2 * 2 + 1) / 8.0);  // batch of one: [1, 2, 3, 2]
  EXPECT_EQ(c.values(0, 1)(0, 2), -1 + (1 * 9 + 0 + 2) / 8.0);
  EXPECT_EQ(c.kv_head(0, 0), 0);
  EXPECT_EQ(c.kv_head(0, 1), 0);
  EXPECT_EQ(c.kv_head(0, 2), 1);
  EXPECT_EQ(c.kv_head(0, 3), 1);
  // As a KV cache: the keys and values of a key/value head, streamed.
  Eigen::MatrixXd KP, VP;
  ASSERT_TRUE(materialize(*c.prefix(0, 1), KP, VP));
  EXPECT_EQ(KP, c.keys(0, 1));
  EXPECT_EQ(VP, c.values(0, 1));
}

// A block's pages are released once it is read (memory independent of the file's size): reading
// them again refaults them from the file, with the same values.
TEST_F(Safetensors, BlocksReadAgainAfterTheirPagesAreReleasedGiveTheSameValues) {
  std::vector<float> values(20000 * 4);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = float(i % 977) / 16.0F - 30.0F;
  const TensorFile file(write("large.safetensors", safetensors_bytes({{"x", "F32", "[20000, 4]", bytes_of(values)}})));
  const TensorInfo& t = file.tensor("x");
  Eigen::MatrixXd block(10000, 4);
  file.read(t, 100, 10000, 0, 4, block);  // 160 kB: its pages are released
  const Eigen::MatrixXd all = file.read(t);
  for (Eigen::Index r = 0; r < all.rows(); ++r)
    for (Eigen::Index c = 0; c < 4; ++c) ASSERT_EQ(all(r, c), double(values[std::size_t(r * 4 + c)])) << r;
  EXPECT_EQ(block, all.middleRows(100, 10000));
}

TEST_F(Safetensors, MalformedCapturesAreRefusedNamingTheTensor) {
  const auto refused = [&](const std::vector<RawTensor>& tensors, const std::string& says) {
    try {
      CapturedAttention c(write("bad_capture.safetensors", safetensors_bytes(tensors)));
      ADD_FAILURE() << "accepted; expected: " << says;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused(capture_tensors("[3, 2, 2]", 12), "grouped-query attention needs the second to divide the first");
  refused(capture_tensors("[4, 2, 5]", 40), "must have the same head dimension");
  refused(capture_tensors("[4, 4]"), "a captured tensor is [heads, tokens, head_dim]");
  std::vector<RawTensor> no_values = capture_tensors();
  no_values.pop_back();
  refused(no_values, "layers.0.values");
  refused({capture_tensors()[0]}, "has no tensor 'layers.0.keys'");
}

// The tiny model's real prefix (tests/data/tiny_model, made by examples/tiny_model/make.py with
// PyTorch): every layer and head of `heads` against the reference PyTorch computed in float64
// from the same float32 numbers, exact attention and NTK-Attention written out from the Taylor
// kernel (no feature map): outputs and errors within 1e-12.
TEST(TinyModel, EveryHeadsErrorsAreThoseOfAnIndependentPyTorchComputation) {
  const fs::path dir = fs::path(NTK_TEST_DATA_DIR) / "tiny_model";
  const PeftPrefixCheckpoint checkpoint(dir / "checkpoint");
  const CapturedAttention inputs(dir / "activations.safetensors");
  const TensorFile reference(dir / "reference.safetensors");
  std::ifstream json_file(dir / "reference.json");
  const nlohmann::json expected = nlohmann::json::parse(json_file);
  const auto output = [&](const std::string& name, std::int64_t layer, std::int64_t head, Eigen::Index rows,
                          Eigen::Index cols) {
    const TensorInfo& t = reference.tensor(name);  // [layers, heads, L, head_dim]
    Eigen::MatrixXd flat(1, rows * cols);
    reference.read(t, layer, 1, head * rows * cols, rows * cols, flat);
    return Eigen::MatrixXd(Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        flat.data(), rows, cols));
  };
  int checked = 0;
  for (const int degree : {1, 2, 4}) {
    Parameters p = default_parameters();
    p.feature.degree = degree;
    p.causal = true;
    const HeadsReport report = compare_heads(prefix_layers(checkpoint), inputs, p);
    ASSERT_EQ(report.heads.size(), expected["heads"].size());
    const std::string taylor = "taylor" + std::to_string(degree);
    for (std::size_t i = 0; i < report.heads.size(); ++i) {
      const HeadResult& h = report.heads[i];
      const nlohmann::json& e = expected["heads"][i];
      ASSERT_EQ(h.layer, e["layer"].get<std::int64_t>());
      ASSERT_EQ(h.head, e["head"].get<std::int64_t>());
      ASSERT_EQ(h.kv_head, e["kv_head"].get<std::int64_t>());
      const Comparison& c = h.comparison;
      EXPECT_LT(test::rel_error(c.exact.T, output("exact", h.layer, h.head, c.exact.T.rows(), c.exact.T.cols())),
                1e-12);
      EXPECT_NEAR(c.exact.prefix_mass.mean(), e["exact_prefix_mass"].get<double>(), 1e-12);
      if (c.status != Status::ok) continue;  // odd degree: rows with D_ii <= 0 are NaN here
      const double rel = e[taylor + "_rel_fro"].get<double>(), top = e[taylor + "_max_abs"].get<double>();
      EXPECT_LT(test::rel_error(c.approx.T, output(taylor, h.layer, h.head, c.approx.T.rows(), c.approx.T.cols())),
                1e-12);
      EXPECT_NEAR(c.errors.rel_fro, rel, 1e-12 * std::max(1.0, rel)) << taylor << " layer " << h.layer;
      EXPECT_NEAR(c.errors.max_abs, top, 1e-12 * std::max(1.0, top)) << taylor << " layer " << h.layer;
      ++checked;
    }
  }
  EXPECT_GE(checked, 2 * 16);  // every head at the even degrees
}

// Z and k trained per key/value head on the first 48 of each query head's 64 queries: the
// held-out baseline (the closed form on the last 16 queries, all 64 tokens) is PyTorch's float64
// Taylor computation on those rows, and training lowers the loss.
TEST(TinyModel, TrainingEachKeyValueHeadHoldsOutItsLastQueriesAgainstPyTorchsClosedForm) {
  const fs::path dir = fs::path(NTK_TEST_DATA_DIR) / "tiny_model";
  const PeftPrefixCheckpoint checkpoint(dir / "checkpoint");
  const CapturedAttention inputs(dir / "activations.safetensors");
  const TensorFile reference(dir / "reference.safetensors");
  const auto rows = [&](const std::string& name, std::int64_t layer, std::int64_t head) {
    const TensorInfo& t = reference.tensor(name);  // [layers, heads, 64, 32]
    Eigen::MatrixXd flat(1, 64 * 32);
    reference.read(t, layer, 1, head * 64 * 32, 64 * 32, flat);
    return Eigen::MatrixXd(
        Eigen::Map<const Eigen::Matrix<double, 64, 32, Eigen::RowMajor>>(flat.data()).bottomRows(16));
  };
  Parameters p = default_parameters();
  p.causal = true;  // the reference's
  AttentionTrainOptions options;
  options.steps = 600;
  const HeadsTraining report = train_heads(prefix_layers(checkpoint), inputs, p, options);
  ASSERT_EQ(report.heads.size(), 8u);
  for (const HeadTraining& h : report.heads) {
    EXPECT_EQ(h.query_heads, 2);
    EXPECT_EQ(h.train_queries, 48);
    EXPECT_EQ(h.held_out_queries, 16);
    EXPECT_EQ(h.m, 32);
    ASSERT_EQ(h.run.status, Status::ok);
    double closed = 0;
    for (std::int64_t q = 2 * h.kv_head; q < 2 * h.kv_head + 2; ++q)
      closed += (rows("exact", h.layer, q) - rows("taylor2", h.layer, q)).cwiseAbs().maxCoeff() / 2;
    EXPECT_NEAR(h.run.closed_error, closed, 1e-12 * std::max(1.0, closed)) << "layer " << h.layer;
    EXPECT_LT(h.run.steps.back().loss, h.run.steps.front().loss);
    EXPECT_TRUE(std::isfinite(h.run.trained_error));
  }
  const std::string csv = heads_training_csv(report);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 9);
  EXPECT_EQ(csv.rfind("layer,kv_head,query_heads,train_queries,held_out_queries,m,r,", 0), 0u);
}

TEST(TinyModel, ACaptureReadAsAKvCacheIsThePrefixOfItsArrays) {
  const CapturedAttention cache(fs::path(NTK_TEST_DATA_DIR) / "tiny_model" / "activations.safetensors", true);
  const PrefixLayers layers = prefix_layers(cache);
  ASSERT_EQ(layers.layers, 4);
  ASSERT_EQ(layers.kv_heads, 2);
  const KeyShape shape = key_shape(*layers.prefix(1, 1));
  EXPECT_GT(shape.anisotropy, 1.0);
  EXPECT_GT(shape.outlier, 1.0);
}

// One .npy member written byte by byte as NumPy's format 1.0 specifies (the header dict padded
// to 64 bytes), independently of the reader.
std::string npy_member(const std::string& descr, const std::string& shape, const std::string& data,
                       bool fortran = false) {
  std::string dict =
      "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += {'\x01', '\x00', char(dict.size() & 0xff), char(dict.size() >> 8)};
  return out + dict + data;
}

template <class T>
std::string big_endian_bytes(const std::vector<T>& values) {
  std::string bytes = bytes_of(values);
  for (std::size_t i = 0; i < bytes.size(); i += sizeof(T)) std::reverse(&bytes[i], &bytes[i] + sizeof(T));
  return bytes;
}

// An .npz archive (stored members, as np.savez writes) holds the same tensors as a .safetensors
// file: any number of dimensions, float64, big-endian float32 and float16 read as the
// .safetensors twin reads them, other members skipped; and the tiny model's capture, rewritten
// as an .npz of float64 members, gives every head's comparison bit for bit.
TEST_F(Safetensors, NpzArchivesAreReadAsTheirSafetensorsTwins) {
  const std::vector<std::uint16_t> half = {0x3C00, 0xC000, 0x0001, 0x7BFF, 0x3800, 0x0000};
  const std::vector<float> f32 = {0.1f, -3.5f, 2.0f, 7.25f};
  const std::vector<double> f64 = {0.1, -3.5, 1e300, 4, 5, 6, 7, 8};
  const TensorFile twin(write("twin.safetensors", safetensors_bytes({{"h", "F16", "[1, 2, 3]", bytes_of(half)},
                                                                     {"f", "F32", "[4]", bytes_of(f32)},
                                                                     {"d", "F64", "[2, 2, 2]", bytes_of(f64)}})));
  NpzWriter writer;
  writer.add_file("h.npy", npy_member("<f2", "(1, 2, 3)", bytes_of(half)));
  writer.add_file("f.npy", npy_member(">f4", "(4,)", big_endian_bytes(f32)));
  writer.add_file("notes.txt", "not an array");
  writer.add_file("d.npy", npy_member("<f8", "(2, 2, 2)", bytes_of(f64)));
  writer.write(m_dir / "twin.npz");
  const TensorFile npz(m_dir / "twin.npz");
  ASSERT_EQ(npz.tensors().size(), 3u);
  EXPECT_TRUE(npz.metadata().empty());
  for (const char* name : {"h", "f", "d"}) {
    EXPECT_EQ(npz.tensor(name).shape, twin.tensor(name).shape) << name;
    EXPECT_EQ(npz.tensor(name).dtype, twin.tensor(name).dtype) << name;
    EXPECT_EQ(npz.read(npz.tensor(name)), twin.read(twin.tensor(name))) << name;
  }

  const fs::path dir = fs::path(NTK_TEST_DATA_DIR) / "tiny_model";
  const TensorFile capture(dir / "activations.safetensors");
  NpzWriter rewritten;
  for (const TensorInfo& t : capture.tensors()) {
    std::string shape = "(";
    for (const std::int64_t d : t.shape) shape += std::to_string(d) + ", ";
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = capture.read(t);
    rewritten.add_file(
        t.name + ".npy",
        npy_member("<f8", shape + ")", {reinterpret_cast<const char*>(rows.data()), std::size_t(rows.size()) * 8}));
  }
  rewritten.write(m_dir / "activations.npz");
  const PrefixLayers prefix = open_peft_prefix(dir / "checkpoint");
  Parameters params = default_parameters();
  params.causal = true;
  const HeadsReport from_safetensors =
      compare_heads(prefix, CapturedAttention(dir / "activations.safetensors"), params);
  const HeadsReport from_npz = compare_heads(prefix, CapturedAttention(m_dir / "activations.npz"), params);
  ASSERT_EQ(from_npz.heads.size(), 16u);
  for (std::size_t i = 0; i < from_npz.heads.size(); ++i) {
    EXPECT_EQ(from_npz.heads[i].comparison.exact.T, from_safetensors.heads[i].comparison.exact.T) << i;
    EXPECT_EQ(from_npz.heads[i].comparison.approx.T, from_safetensors.heads[i].comparison.approx.T) << i;
  }
  EXPECT_EQ(heads_csv(from_npz), heads_csv(from_safetensors));
}

// A member that cannot be read block by block, or is not what its header says, is refused naming
// the archive and the member.
TEST_F(Safetensors, MalformedNpzMembersAreRefusedNamingTheMember) {
  const std::string four = bytes_of(std::vector<double>{1, 2, 3, 4});
  const struct {
    std::string member;
    const char* says;
  } bad[] = {
      {npy_member("<f8", "(2, 2)", four, true), "[x.npy]: is in Fortran (column-major) order"},
      {npy_member("<i8", "(2, 2)", four), "[x.npy]: dtype '<i8' is not supported"},
      {npy_member("<f8", "(2, 3)", four), "[x.npy]: its shape [2, 3] needs 48 data bytes, but it holds 32 (truncated)"},
      {npy_member("<f8", "(3,)", four), "(trailing bytes)"},
      {npy_member("<f8", "(2, 2)", four).substr(0, 40), "[x.npy]: "},
  };
  for (const auto& b : bad) {
    NpzWriter writer;
    writer.add_file("x.npy", b.member);
    writer.write(m_dir / "bad.npz");
    try {
      TensorFile file(m_dir / "bad.npz");
      ADD_FAILURE() << "accepted; expected: " << b.says;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(b.says), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.npz"), std::string::npos) << e.what();
    }
  }
  EXPECT_NE(refusal("PK\x03\x04 and then nothing a ZIP reader can use").find("bad.safetensors"), std::string::npos);
}

TEST(KeyShapes, AnIsotropicPrefixIsNearOneAndAStretchedColumnStandsOut) {
  Eigen::MatrixXd KP = test::random_matrix(20000, 8, 1.0, 3), VP = test::random_matrix(20000, 8, 1.0, 4);
  const KeyShape round = key_shape(MatrixPrefix(KP, VP));
  EXPECT_LT(round.anisotropy, 1.1);
  EXPECT_LT(round.outlier, 6.0);  // Gaussian: about sqrt(2 ln(160000)) = 4.9
  KP.col(5) *= 10;
  const KeyShape stretched = key_shape(MatrixPrefix(KP, VP));
  EXPECT_GT(stretched.anisotropy, 7.0);  // 100 / ((7 + 100) / 8) = 7.5
  EXPECT_EQ(stretched.outlier_dim, 5);
}

}  // namespace
}  // namespace ntk::core
