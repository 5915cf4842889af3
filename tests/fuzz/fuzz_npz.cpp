// libFuzzer: the .npz reader (libzip: ZIP records, ZIP64 extras, deflate, CRC-32; then each member streamed
// into the .npy reader).
// Every input is refused with std::invalid_argument or read into arrays whose sizes match their
// shapes and whose total stays within the budget; nothing else (no crash, hang, leak or other
// exception).

#include "core/io/npz.h"
#include "tests/fuzz/fuzz_util.h"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = ntk::fuzz::scratch_file(data, size, ".npz");
  constexpr double budget = 64e6;
  try {
    double bytes = 0;
    for (const auto& [name, a] : ntk::core::read_npz(path, budget)) {
      std::int64_t elements = 1;
      for (const std::int64_t n : a.shape) elements *= n;
      ntk::fuzz::require(a.shape.size() <= 2, "at most two dimensions");
      ntk::fuzz::require(a.shape.empty() || a.data.size() == elements || (elements == 0 && a.data.size() == 0),
                         "the array holds as many values as its shape says");
      bytes += 8.0 * double(a.data.size());
    }
    ntk::fuzz::require(bytes <= budget, "the arrays together stay within the budget");
  } catch (const std::invalid_argument&) {}
  return 0;
}
