// libFuzzer: the .safetensors reader, and the captured attention inputs and KV caches read from
// it. Every input is refused with std::invalid_argument, or it maps to tensors whose byte ranges
// lie inside the file, one after another, and each tensor (up to 1 MB of it) reads whole or is
// refused naming a non-finite entry; read as a capture, every head of every layer reads at the
// shape its layer gives, or the file is refused; nothing else (no crash, hang, leak, read
// outside the mapping or other exception).

#include "core/io/captured_attention.h"
#include "core/io/safetensors.h"
#include "tests/fuzz/fuzz_util.h"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = ntk::fuzz::scratch_file(data, size, ".safetensors");
  try {
    const ntk::core::TensorFile file(path);
    std::uint64_t end = 0;
    for (const ntk::core::TensorInfo& t : file.tensors()) {
      const std::uint64_t bytes = std::uint64_t(t.size()) * ntk::core::dtype_bytes(t.dtype);
      ntk::fuzz::require(t.begin >= end && t.begin + bytes <= size, "tensors lie inside the file, apart");
      end = t.begin + bytes;
      if (bytes > (1u << 20)) continue;
      try {
        const Eigen::MatrixXd values = file.read(t);
        ntk::fuzz::require(values.size() == t.size(), "a tensor reads as many values as its shape says");
      } catch (const std::invalid_argument&) {}  // a NaN or infinite entry, named
    }
  } catch (const std::invalid_argument&) {}
  try {
    const ntk::core::CapturedAttention capture(path);
    for (std::int64_t l = 0; l < capture.layers(); ++l) {
      const ntk::core::CapturedLayer& s = capture.layer(l);
      if ((s.heads * s.queries + s.kv_heads * s.tokens) * (s.dim + s.value_dim) > (1 << 17)) continue;
      for (std::int64_t h = 0; h < s.heads; ++h) {
        const Eigen::MatrixXd Q = capture.queries(l, h);
        ntk::fuzz::require(Q.rows() == s.queries && Q.cols() == s.dim, "queries read at their layer's shape");
        ntk::fuzz::require(capture.kv_head(l, h) < s.kv_heads, "a query head reads one of the key/value heads");
      }
      for (std::int64_t g = 0; g < s.kv_heads; ++g) {
        Eigen::MatrixXd KP, VP;
        ntk::core::materialize(*capture.prefix(l, g), KP, VP);
        ntk::fuzz::require(KP == capture.keys(l, g) && VP == capture.values(l, g), "a cache streams its arrays");
      }
    }
  } catch (const std::invalid_argument&) {}  // not a capture, or a NaN, named
  return 0;
}
