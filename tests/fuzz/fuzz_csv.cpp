// libFuzzer: the sweep CSV reader (merge, sweep --resume), the plain CSV parser and the grid
// parser (--vary, --shard). The first byte picks the parser; each refuses with
// std::invalid_argument (UsageError is one) or gives a result that meets its contract.

#include "core/io/text_formats.h"
#include "core/sweep/sweep_plan.h"
#include "tests/fuzz/fuzz_util.h"

#include <stdexcept>

namespace {

void sweep_csv(const std::uint8_t* data, std::size_t size) {
  const ntk::core::SweepCsv t = ntk::core::read_sweep_csv(ntk::fuzz::scratch_file(data, size, ".csv"));
  for (const auto& [index, row] : t.rows) {
    ntk::fuzz::require(index >= 0 && index < t.points, "every index is in [0, points)");
    ntk::fuzz::require(row.size() == t.header.size(), "every row is as wide as the header");
  }
}

void plain_csv(const std::string& text) {
  const ntk::core::CsvTable t = ntk::core::parse_csv(text, "fuzz");
  for (const auto& row : t.rows) ntk::fuzz::require(row.size() == t.header.size(), "rows as wide as the header");
}

void grid(const std::string& text) {
  const std::size_t split = text.find('\n');
  const ntk::core::SweepAxis axis = ntk::core::parse_axis(text.substr(0, split));
  ntk::fuzz::require(!axis.values.empty(), "an axis has a point");
  // Expanding validates every point: bounded, since a parsed axis may be long.
  if (axis.values.size() <= 4096) ntk::core::expand(ntk::core::default_parameters(), {axis});
  if (split != std::string::npos) {
    const auto [shard, shards] = ntk::core::parse_shard(text.substr(split + 1));
    ntk::fuzz::require(shard >= 1 && shard <= shards, "1 <= K <= N");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0:
        sweep_csv(data + 1, size - 1);
        break;
      case 1:
        plain_csv(text);
        break;
      default:
        grid(text);
        break;
    }
  } catch (const std::invalid_argument&) {}
  return 0;
}
