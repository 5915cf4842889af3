#include "core/io/safetensors.h"

#include "core/io/npz.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace ntk::core {
namespace {

constexpr std::uint64_t max_header_bytes = 100'000'000;  // the format's own limit

TensorDtype dtype_of(const std::string& text, const std::string& where) {
  if (text == "F64") return TensorDtype::f64;
  if (text == "F32") return TensorDtype::f32;
  if (text == "F16") return TensorDtype::f16;
  if (text == "BF16") return TensorDtype::bf16;
  throw std::invalid_argument(where + " is " + text +
                              "; the tensors read are F64, F32, F16 and BF16 (convert it first)");
}

// IEEE binary16 to float, exactly (subnormals, infinities and NaN included).
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24
    const float v = std::ldexp(float(mantissa), -24);
    return sign ? -v : v;
  }
  const std::uint32_t bits =
      exponent == 0x1f ? sign | 0x7f800000u | (mantissa << 13) : sign | ((exponent + 112) << 23) | (mantissa << 13);
  return std::bit_cast<float>(bits);
}

template <class Stored>
Stored load(const unsigned char* at) {
  Stored v;
  std::memcpy(&v, at, sizeof v);
  return v;
}

double entry(TensorDtype dtype, const unsigned char* at) {
  switch (dtype) {
    case TensorDtype::f64:
      return load<double>(at);
    case TensorDtype::f32:
      return load<float>(at);
    case TensorDtype::f16:
      return half_to_float(load<std::uint16_t>(at));
    case TensorDtype::bf16:
      return std::bit_cast<float>(std::uint32_t(load<std::uint16_t>(at)) << 16);
  }
  return 0;
}

std::int64_t shape_entries(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (const std::int64_t s : shape) n *= s;  // each below 2^40 and checked against the file's size
  return n;
}

}  // namespace

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

std::int64_t TensorInfo::size() const { return shape_entries(shape); }

std::size_t dtype_bytes(TensorDtype dtype) { return dtype == TensorDtype::f64 ? 8 : dtype == TensorDtype::f32 ? 4 : 2; }

const char* to_string(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::f64:
      return "F64";
    case TensorDtype::f32:
      return "F32";
    case TensorDtype::f16:
      return "F16";
    case TensorDtype::bf16:
      return "BF16";
  }
  return "?";
}

std::int64_t tensor_rows(const TensorInfo& t) { return t.shape.empty() ? 1 : t.shape[0]; }

std::int64_t tensor_cols(const TensorInfo& t) {
  std::int64_t n = 1;
  for (std::size_t i = 1; i < t.shape.size(); ++i) n *= t.shape[i];
  return n;
}

TensorFile::TensorFile(const std::filesystem::path& path) : m_path(path) {
  const std::string file = path.string();
  const auto fail = [&](const std::string& what) { throw std::invalid_argument(file + ": " + what); };
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail("not found, or not a regular file");
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(std::string("cannot be opened: ") + std::strerror(errno));
  struct stat st {};
  char magic[4] = {};
  if (::fstat(fd, &st) != 0 || st.st_size < 8 || ::pread(fd, magic, 4, 0) != 4) {
    ::close(fd);
    fail("is too short to be a .safetensors file (it needs an 8-byte header length) or an .npz archive");
  }
  if (std::memcmp(magic, "PK\x03\x04", 4) == 0 || std::memcmp(magic, "PK\x05\x06", 4) == 0) {  // ZIP: .npz
    ::close(fd);
    open_npz();
    return;
  }
  m_bytes = std::size_t(st.st_size);
  void* mapped = ::mmap(nullptr, m_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) fail(std::string("cannot be mapped: ") + std::strerror(errno));
  m_data = static_cast<const unsigned char*>(mapped);
  try {
    const auto header_bytes = load<std::uint64_t>(m_data);
    if (header_bytes > max_header_bytes || header_bytes > m_bytes - 8)
      fail("its header of " + std::to_string(header_bytes) + " bytes runs past the end of the file (" +
           std::to_string(m_bytes) + " bytes): it is truncated or not a .safetensors file");
    const std::uint64_t data_start = 8 + header_bytes;
    nlohmann::json header;
    try {
      header = nlohmann::json::parse(m_data + 8, m_data + data_start);
    } catch (const nlohmann::json::exception& e) {
      fail(std::string("its header is not valid JSON (") + e.what() + ")");
    }
    if (!header.is_object()) fail("its header is not a JSON object");
    for (const auto& [name, value] : header.items()) {
      const std::string where = "tensor '" + name + "' of " + file;
      if (name == "__metadata__") {
        if (!value.is_object()) fail("its __metadata__ is not an object");
        for (const auto& [key, text] : value.items())
          if (text.is_string()) m_metadata[key] = text.get<std::string>();
        continue;
      }
      if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") ||
          !value.contains("data_offsets") || !value["dtype"].is_string() || !value["shape"].is_array() ||
          !value["data_offsets"].is_array() || value["data_offsets"].size() != 2)
        throw std::invalid_argument(where + " needs \"dtype\", \"shape\" and \"data_offsets\": [begin, end]");
      TensorInfo t;
      t.name = name;
      t.dtype = dtype_of(value["dtype"].get<std::string>(), where);
      for (const auto& d : value["shape"]) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0 || d.get<std::int64_t>() > max_tensor_dimension)
          throw std::invalid_argument(where + " has a shape entry that is not a size (" + d.dump() + ")");
        t.shape.push_back(d.get<std::int64_t>());
      }
      const auto& offsets = value["data_offsets"];
      if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
        throw std::invalid_argument(where + " has data_offsets that are not byte positions");
      const auto begin = offsets[0].get<std::uint64_t>(), end = offsets[1].get<std::uint64_t>();
      if (begin > end || end > m_bytes - data_start)
        throw std::invalid_argument(where + " ends at byte " + std::to_string(end) + " of the data, past the " +
                                    std::to_string(m_bytes - data_start) +
                                    " bytes the file holds: the file is truncated");
      // Each dimension is below 2^40 and the bytes are bounded by the file, so no product
      // overflows once the byte count has been checked one dimension at a time.
      long double bytes = double(dtype_bytes(t.dtype));
      for (const std::int64_t s : t.shape) bytes *= double(s);
      if (bytes != static_cast<long double>(end - begin))
        throw std::invalid_argument(where + " of shape " + shape_text(t.shape) + " in " + to_string(t.dtype) +
                                    " needs " + std::to_string(static_cast<unsigned long long>(bytes)) +
                                    " bytes, but its data_offsets hold " + std::to_string(end - begin));
      t.begin = data_start + begin;
      m_tensors.push_back(std::move(t));
    }
    std::sort(m_tensors.begin(), m_tensors.end(),
              [](const TensorInfo& a, const TensorInfo& b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < m_tensors.size(); ++i) {
      const TensorInfo& before = m_tensors[i - 1];
      if (before.begin + std::uint64_t(before.size()) * dtype_bytes(before.dtype) > m_tensors[i].begin)
        fail("the data of tensors '" + before.name + "' and '" + m_tensors[i].name + "' overlap");
    }
  } catch (...) {
    ::munmap(const_cast<unsigned char*>(m_data), m_bytes);
    throw;
  }
}

void TensorFile::open_npz() {
  // An unlinked temporary file: nothing is left behind however the process ends.
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> temp(std::tmpfile(), &std::fclose);
  if (!temp)
    throw std::runtime_error(m_path.string() + ": no temporary file to unpack it into (" + std::strerror(errno) +
                             "); point TMPDIR at a writable folder");
  const int fd = ::fileno(temp.get());
  m_tensors = unpack_npz(m_path, fd);
  const off_t size = ::lseek(fd, 0, SEEK_END);
  m_bytes = size > 0 ? std::size_t(size) : 0;
  if (m_bytes == 0) return;  // no .npy member, or only empty ones: nothing to map
  void* mapped = ::mmap(nullptr, m_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  if (mapped == MAP_FAILED) throw std::runtime_error(m_path.string() + ": cannot be mapped: " + std::strerror(errno));
  m_data = static_cast<const unsigned char*>(mapped);
}

TensorFile::~TensorFile() {
  if (m_data) ::munmap(const_cast<unsigned char*>(m_data), m_bytes);
}

bool TensorFile::has(std::string_view name) const {
  return std::any_of(m_tensors.begin(), m_tensors.end(), [&](const TensorInfo& t) { return t.name == name; });
}

const TensorInfo& TensorFile::tensor(std::string_view name) const {
  std::string known;
  for (const TensorInfo& t : m_tensors) {
    if (t.name == name) return t;
    known += (known.empty() ? "" : ", ") + t.name;
  }
  throw std::invalid_argument(m_path.string() + " has no tensor '" + std::string(name) + "' (it holds " +
                              (known.empty() ? "none" : known) + ")");
}

void TensorFile::read(const TensorInfo& t, std::int64_t row0, std::int64_t rows, std::int64_t col0, std::int64_t cols,
                      Eigen::Ref<Eigen::MatrixXd> out) const {
  const std::int64_t all_rows = tensor_rows(t), all_cols = tensor_cols(t);
  if (row0 < 0 || rows < 0 || col0 < 0 || cols < 0 || row0 + rows > all_rows || col0 + cols > all_cols ||
      out.rows() != rows || out.cols() != cols)
    throw std::invalid_argument("tensor '" + t.name + "' of " + m_path.string() + ": rows " + std::to_string(row0) +
                                " + " + std::to_string(rows) + ", columns " + std::to_string(col0) + " + " +
                                std::to_string(cols) + " are outside its " + std::to_string(all_rows) + " x " +
                                std::to_string(all_cols));
  const std::size_t size = dtype_bytes(t.dtype);
  for (std::int64_t r = 0; r < rows; ++r) {
    const unsigned char* row = m_data + t.begin + std::size_t((row0 + r) * all_cols + col0) * size;
    for (std::int64_t c = 0; c < cols; ++c) {
      const double v = entry(t.dtype, row + std::size_t(c) * size);
      if (!std::isfinite(v))
        throw std::invalid_argument("tensor '" + t.name + "' of " + m_path.string() + " holds " +
                                    (std::isnan(v) ? "NaN" : "an infinite value") + " at row " +
                                    std::to_string(row0 + r) + ", column " + std::to_string(col0 + c) +
                                    "; every entry must be a finite number");
      out(r, c) = v;
    }
  }
  if (rows > 0 && cols > 0)
    release_pages(t.begin + std::size_t(row0 * all_cols + col0) * size,
                  t.begin + std::size_t((row0 + rows - 1) * all_cols + col0 + cols) * size);
}

void TensorFile::release_pages(std::size_t begin, std::size_t end) const {
  // Only the pages wholly inside [begin, end): a page a neighbouring block still reads stays.
  // Dropping them costs a refault from the page cache if they are read again, never a wrong value.
  static const auto page = std::size_t(::sysconf(_SC_PAGESIZE));
  const std::size_t first = (begin + page - 1) / page * page, last = end / page * page;
  if (last >= first + release_bytes) ::madvise(const_cast<unsigned char*>(m_data) + first, last - first, MADV_DONTNEED);
}

Eigen::MatrixXd TensorFile::read(const TensorInfo& t) const {
  Eigen::MatrixXd out(tensor_rows(t), tensor_cols(t));
  read(t, 0, out.rows(), 0, out.cols(), out);
  return out;
}

}  // namespace ntk::core
