// libFuzzer: the .npy reader. Every input is refused with std::invalid_argument or read into an
// array whose size matches its shape; nothing else (no crash, hang, leak or other exception).

#include "core/io/npy.h"
#include "tests/fuzz/fuzz_util.h"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = ntk::fuzz::scratch_file(data, size, ".npy");
  try {
    const ntk::core::NpyArray a = ntk::core::read_npy(path, 64e6);
    std::int64_t elements = 1;
    for (const std::int64_t n : a.shape) elements *= n;
    ntk::fuzz::require(a.shape.size() <= 2, "at most two dimensions");
    ntk::fuzz::require(a.shape.empty() || a.data.size() == elements || (elements == 0 && a.data.size() == 0),
                       "the array holds as many values as its shape says");
    ntk::core::check_finite(a, path);
  } catch (const std::invalid_argument&) {}
  return 0;
}
