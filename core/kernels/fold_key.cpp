#include "core/kernels/fold_key.h"

#include <bit>

namespace ntk::core {
namespace {

// FNV-1a over 64-bit words: every field a word, doubles by their bits (0.0 for -0.0, which
// compares equal to it).
struct Hasher {
  std::uint64_t h = 14695981039346656037ULL;
  Hasher& add(std::uint64_t word) {
    for (int i = 0; i < 8; ++i) h = (h ^ ((word >> (8 * i)) & 0xff)) * 1099511628211ULL;
    return *this;
  }
  Hasher& add(double v) { return add(std::bit_cast<std::uint64_t>(v == 0 ? 0.0 : v)); }
};

}  // namespace

std::size_t FoldKeyHash::operator()(const FoldKey& k) const {
  const WorkloadSpec& w = k.rows;
  Hasher h;
  h.add(std::uint64_t(k.kind)).add(std::uint64_t(w.mode)).add(std::uint64_t(w.L)).add(std::uint64_t(w.d));
  h.add(std::uint64_t(w.m)).add(w.scale).add(std::uint64_t(w.dist)).add(w.seed).add(w.match);
  h.add(std::uint64_t(w.queries)).add(std::uint64_t(w.dv));
  h.add(std::uint64_t(k.precision)).add(std::uint64_t(k.feature)).add(std::uint64_t(k.degree));
  h.add(std::uint64_t(k.features)).add(std::uint64_t(k.orthogonal)).add(k.feature_seed).add(std::uint64_t(k.width));
  return std::size_t(h.h);
}

}  // namespace ntk::core
