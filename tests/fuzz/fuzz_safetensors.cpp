// libFuzzer: the .safetensors reader. Every input is refused with std::invalid_argument, or it
// maps to tensors whose byte ranges lie inside the file, one after another, and each tensor (up
// to 1 MB of it) reads whole or is refused naming a non-finite entry; nothing else (no crash,
// hang, leak, read outside the mapping or other exception).

#include "core/io/safetensors.h"
#include "tests/fuzz/fuzz_util.h"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = ntk::fuzz::scratch_file(data, size, ".safetensors");
  try {
    const ntk::core::SafetensorsFile file(path);
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
  return 0;
}
