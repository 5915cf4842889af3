#include "core/io/npz.h"

#include "core/io/text_formats.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace ntk::core {
namespace {

constexpr std::uint32_t local_signature = 0x04034b50, central_signature = 0x02014b50, end_signature = 0x06054b50,
                        zip64_end_signature = 0x06064b50, zip64_locator_signature = 0x07064b50;
constexpr std::uint32_t saturated32 = 0xffffffff;
constexpr std::uint16_t saturated16 = 0xffff;
constexpr std::uint16_t stored = 0, deflated = 8;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::invalid_argument(path.string() + ": " + what);
}

std::uint64_t little_endian(const std::string& bytes, std::size_t at, int width) {
  std::uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bytes[at + std::size_t(i)]);
  return v;
}

void put(std::string& out, std::uint64_t v, int width) {
  for (int i = 0; i < width; ++i, v >>= 8) out.push_back(static_cast<char>(v & 0xff));
}

std::uint32_t crc32_of(const std::string& bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::size_t at = 0; at < bytes.size();) {  // zlib takes uInt lengths
    const auto n = static_cast<uInt>(std::min<std::size_t>(bytes.size() - at, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), n);
    at += n;
  }
  return static_cast<std::uint32_t>(crc);
}

// Reads `count` bytes at `offset`, refusing to go past the end of the file.
std::string read_at(std::ifstream& in, std::uint64_t file_size, std::uint64_t offset, std::uint64_t count,
                    const std::filesystem::path& path, const char* what) {
  if (offset > file_size || count > file_size - offset)
    fail(path, std::string(what) + " lies past the end of the file (cut short?)");
  std::string bytes(count, '\0');
  in.seekg(std::streamoff(offset));
  if (!in.read(bytes.data(), std::streamsize(count))) fail(path, std::string("cannot read ") + what);
  return bytes;
}

struct Member {
  std::string name;
  std::uint16_t flags = 0, method = 0;
  std::uint32_t crc = 0;
  std::uint64_t compressed = 0, size = 0, offset = 0;
};

// The central directory's entries, ZIP64 fields resolved.
std::vector<Member> central_directory(std::ifstream& in, std::uint64_t file_size, const std::filesystem::path& path) {
  const std::uint64_t tail = std::min<std::uint64_t>(file_size, 22 + 65535);
  const std::string end = read_at(in, file_size, file_size - tail, tail, path, "the end record");
  std::size_t at = std::string::npos;
  for (std::size_t i = end.size() >= 22 ? end.size() - 22 + 1 : 0; i-- > 0;)
    if (little_endian(end, i, 4) == end_signature) {
      at = i;
      break;
    }
  if (at == std::string::npos) fail(path, "not a ZIP archive (.npz): no end-of-archive record");
  std::uint64_t entries = little_endian(end, at + 10, 2), dir_size = little_endian(end, at + 12, 4),
                dir_offset = little_endian(end, at + 16, 4);
  if (entries == saturated16 || dir_size == saturated32 || dir_offset == saturated32) {
    const std::uint64_t end_at = file_size - tail + at;
    if (end_at < 20) fail(path, "the ZIP64 locator is missing");
    const std::string locator = read_at(in, file_size, end_at - 20, 20, path, "the ZIP64 locator");
    if (little_endian(locator, 0, 4) != zip64_locator_signature) fail(path, "the ZIP64 locator is missing");
    const std::string record = read_at(in, file_size, little_endian(locator, 8, 8), 56, path, "the ZIP64 end record");
    if (little_endian(record, 0, 4) != zip64_end_signature) fail(path, "the ZIP64 end record is damaged");
    entries = little_endian(record, 32, 8);
    dir_size = little_endian(record, 40, 8);
    dir_offset = little_endian(record, 48, 8);
  }
  const std::string dir = read_at(in, file_size, dir_offset, dir_size, path, "the central directory");
  std::vector<Member> members;
  std::size_t p = 0;
  for (std::uint64_t e = 0; e < entries; ++e) {
    if (p + 46 > dir.size() || little_endian(dir, p, 4) != central_signature)
      fail(path, "the central directory is damaged (entry " + std::to_string(e) + ")");
    Member m;
    m.flags = static_cast<std::uint16_t>(little_endian(dir, p + 8, 2));
    m.method = static_cast<std::uint16_t>(little_endian(dir, p + 10, 2));
    m.crc = static_cast<std::uint32_t>(little_endian(dir, p + 16, 4));
    m.compressed = little_endian(dir, p + 20, 4);
    m.size = little_endian(dir, p + 24, 4);
    const std::size_t name_len = little_endian(dir, p + 28, 2), extra_len = little_endian(dir, p + 30, 2),
                      comment_len = little_endian(dir, p + 32, 2);
    m.offset = little_endian(dir, p + 42, 4);
    if (p + 46 + name_len + extra_len + comment_len > dir.size())
      fail(path, "the central directory is damaged (entry " + std::to_string(e) + ")");
    m.name = dir.substr(p + 46, name_len);
    // The ZIP64 extra field holds, in this order, the fields saturated above.
    for (std::size_t x = p + 46 + name_len; x + 4 <= p + 46 + name_len + extra_len;) {
      const std::uint64_t id = little_endian(dir, x, 2), len = little_endian(dir, x + 2, 2);
      std::size_t field = x + 4;
      if (x + 4 + len > p + 46 + name_len + extra_len) break;
      if (id == 1)
        for (std::uint64_t* v : {&m.size, &m.compressed, &m.offset})
          if (*v == saturated32 && field + 8 <= x + 4 + len) {
            *v = little_endian(dir, field, 8);
            field += 8;
          }
      x += 4 + len;
    }
    members.push_back(std::move(m));
    p += 46 + name_len + extra_len + comment_len;
  }
  return members;
}

std::string inflate_member(const std::string& compressed, std::uint64_t size, const std::filesystem::path& name) {
  std::string out(size, '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) fail(name, "cannot start the decompressor");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  std::size_t in_at = 0, out_at = 0;
  int rc = Z_OK;
  while (rc == Z_OK) {  // zlib takes uInt lengths: feed at most 1 GB at a time
    z.avail_in = static_cast<uInt>(std::min<std::size_t>(compressed.size() - in_at, 1u << 30));
    z.avail_out = static_cast<uInt>(std::min<std::size_t>(out.size() - out_at, 1u << 30));
    const uInt before_in = z.avail_in, before_out = z.avail_out;
    rc = inflate(&z, Z_NO_FLUSH);
    in_at += before_in - z.avail_in;
    out_at += before_out - z.avail_out;
    if (rc == Z_OK && before_in == z.avail_in && before_out == z.avail_out) rc = Z_BUF_ERROR;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END || out_at != size) fail(name, "its compressed data is damaged");
  return out;
}

}  // namespace

std::map<std::string, NpyArray> read_npz(const std::filesystem::path& path, double max_bytes) {
  check_input_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the file (does it exist?)");
  const std::uint64_t file_size = std::filesystem::file_size(path);
  std::map<std::string, NpyArray> arrays;
  double left = max_bytes;
  for (const Member& m : central_directory(in, file_size, path)) {
    if (m.name.size() <= 4 || m.name.compare(m.name.size() - 4, 4, ".npy") != 0) continue;
    const std::filesystem::path name = path.string() + "[" + m.name + "]";
    const std::string key = m.name.substr(0, m.name.size() - 4);
    if (arrays.count(key)) fail(path, "holds " + m.name + " twice");
    if (m.flags & 1) fail(name, "is encrypted");
    if (m.method != stored && m.method != deflated)
      fail(name, "is compressed with method " + std::to_string(m.method) +
                     "; only stored and deflated (np.savez, "
                     "np.savez_compressed) are read");
    // An array within the budget takes at most that many bytes, plus its header (under 1 MB).
    if (double(m.size) > left + 1e6)
      fail(name, "holds " + std::to_string(m.size / 1000000) +
                     " MB, over the memory budget (raise --memory-budget if you mean it)");
    const std::string local = read_at(in, file_size, m.offset, 30, path, "a member's header");
    if (little_endian(local, 0, 4) != local_signature) fail(name, "its local header is damaged");
    const std::uint64_t data_at = m.offset + 30 + little_endian(local, 26, 2) + little_endian(local, 28, 2);
    if (m.method == stored && m.compressed != m.size) fail(name, "a stored member whose sizes disagree");
    std::string bytes = read_at(in, file_size, data_at, m.compressed, path, "a member's data");
    if (m.method == deflated) bytes = inflate_member(bytes, m.size, name);
    if (crc32_of(bytes) != m.crc) fail(name, "fails its CRC-32 check (the archive is damaged)");
    std::istringstream member(std::move(bytes));
    NpyArray a = read_npy(member, m.size, name, left);
    left -= 8.0 * double(a.data.size());
    arrays.emplace(key, std::move(a));
  }
  return arrays;
}

void NpzWriter::add(const std::string& name, const Eigen::Ref<const Eigen::MatrixXd>& a) {
  m_members.emplace_back(name + ".npy", npy_bytes(a));
}

void NpzWriter::add_vector(const std::string& name, const Eigen::Ref<const Eigen::VectorXd>& v) {
  m_members.emplace_back(name + ".npy", npy_bytes(v, true));
}

void NpzWriter::add_file(const std::string& file_name, std::string bytes) {
  m_members.emplace_back(file_name, std::move(bytes));
}

void NpzWriter::write(const std::filesystem::path& path) const {
  std::string zip, dir;
  for (const auto& member : m_members) {
    const std::string& name = member.first;  // not a structured binding: clang 14 cannot capture one
    const std::string& bytes = member.second;
    if (zip.size() + bytes.size() + 30 + name.size() >= saturated32)
      throw std::invalid_argument(path.string() +
                                  ": the arrays pass 4 GB, the limit of an .npz this program writes; "
                                  "give --out a folder instead");
    const std::uint32_t crc = crc32_of(bytes);
    const auto offset = zip.size();
    // Version 2.0, no flags, stored, the DOS date 1980-01-01, mode 0644.
    const auto header = [&](std::string& out, bool central) {
      put(out, central ? central_signature : local_signature, 4);
      if (central) put(out, (3 << 8) | 20, 2);  // made by Unix, version 2.0: the attributes are Unix modes
      put(out, 20, 2);
      put(out, 0, 2);
      put(out, stored, 2);
      put(out, 0, 2);
      put(out, 0x21, 2);
      put(out, crc, 4);
      put(out, bytes.size(), 4);
      put(out, bytes.size(), 4);
      put(out, name.size(), 2);
      put(out, 0, 2);
      if (central) {
        put(out, 0, 2);  // comment
        put(out, 0, 2);  // disk
        put(out, 0, 2);  // internal attributes
        put(out, 0644u << 16, 4);
        put(out, offset, 4);
      }
      out += name;
    };
    header(zip, false);
    zip += bytes;
    header(dir, true);
  }
  const auto dir_offset = zip.size();
  zip += dir;
  put(zip, end_signature, 4);
  put(zip, 0, 4);
  put(zip, m_members.size(), 2);
  put(zip, m_members.size(), 2);
  put(zip, dir.size(), 4);
  put(zip, dir_offset, 4);
  put(zip, 0, 2);
  write_text_atomic(path, zip);
}

}  // namespace ntk::core
