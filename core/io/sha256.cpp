#include "core/io/sha256.h"

#include <nettle/sha2.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace ntk::core {
namespace {

// Nettle's SHA-256 (Debian's libnettle, maintained and vectorised) with the digest as lower-case hex.
class Sha256 {
 public:
  Sha256() { nettle_sha256_init(&m_context); }
  void update(const char* data, std::size_t size) {
    nettle_sha256_update(&m_context, size, reinterpret_cast<const std::uint8_t*>(data));
  }
  std::string hex() {
    std::array<std::uint8_t, SHA256_DIGEST_SIZE> digest{};
    nettle_sha256_digest(&m_context, digest.size(), digest.data());
    constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const std::uint8_t byte : digest) {
      out += digits[byte >> 4];
      out += digits[byte & 15];
    }
    return out;
  }

 private:
  sha256_ctx m_context{};
};

}  // namespace

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data.data(), data.size());
  return h.hex();
}

std::string sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path.string() + ": cannot open the file to compute its SHA-256");
  Sha256 h;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), std::streamsize(buffer.size()));
    h.update(buffer.data(), std::size_t(in.gcount()));
  }
  if (in.bad()) throw std::invalid_argument(path.string() + ": read error while computing its SHA-256");
  return h.hex();
}

}  // namespace ntk::core
