#include "core/io/npy.h"

#include "core/io/text_formats.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ntk::core {
namespace {

constexpr char magic[] = "\x93NUMPY";
constexpr std::size_t max_header = 1 << 20;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::invalid_argument(path.string() + ": " + what);
}

// The text after "'key':" in the header dict, with leading spaces skipped; empty if absent.
std::string_view value_after(std::string_view text, std::string_view key) {
  std::string quoted(1, '\'');  // built by appends: "'" + key + "'" trips GCC 12's -Wrestrict
  quoted.append(key).push_back('\'');
  auto at = text.find(quoted);
  if (at == std::string_view::npos) return {};
  at = text.find_first_not_of(' ', at + quoted.size());
  if (at == std::string_view::npos || text[at] != ':') return {};
  at = text.find_first_not_of(' ', at + 1);
  return at == std::string_view::npos ? std::string_view{} : text.substr(at);
}

NpyHeader parse_header(const std::filesystem::path& path, std::string_view text) {
  NpyHeader h;
  const std::string_view descr_at = value_after(text, "descr");
  const auto descr_end = descr_at.size() > 1 ? descr_at.find('\'', 1) : std::string_view::npos;
  if (descr_at.empty() || descr_at[0] != '\'' || descr_end == std::string_view::npos)
    fail(path, "the header has no 'descr' (not a NumPy array file?)");
  const std::string descr(descr_at.substr(1, descr_end - 1));
  if (descr.size() != 3 || (descr[0] != '<' && descr[0] != '>' && descr[0] != '=') || descr[1] != 'f' ||
      (descr[2] != '8' && descr[2] != '4' && descr[2] != '2'))
    fail(path, "dtype '" + descr + "' is not supported; save the array as float64 or float32");
  h.byte_order = descr[0] == '=' ? '<' : descr[0];
  h.item_size = descr[2] - '0';

  const std::string_view order = value_after(text, "fortran_order");
  if (order.substr(0, 4) == "True")
    h.fortran = true;
  else if (order.substr(0, 5) != "False")
    fail(path, "the header has no valid 'fortran_order'");

  const std::string_view shape_at = value_after(text, "shape");
  const auto close = shape_at.find(')');
  if (shape_at.empty() || shape_at[0] != '(' || close == std::string_view::npos)
    fail(path, "the header has no valid 'shape'");
  const std::string_view dims = shape_at.substr(1, close - 1);
  std::size_t i = 0;
  while (i < dims.size()) {
    while (i < dims.size() && dims[i] == ' ') ++i;
    if (i == dims.size()) break;
    std::int64_t size = 0;
    const auto [end, err] = std::from_chars(dims.data() + i, dims.data() + dims.size(), size);
    if (err != std::errc() || size < 0) fail(path, "the shape (" + std::string(dims) + ") is not a tuple of sizes");
    h.shape.push_back(size);
    i = std::size_t(end - dims.data());
    while (i < dims.size() && dims[i] == ' ') ++i;
    if (i < dims.size() && dims[i] != ',') fail(path, "the shape (" + std::string(dims) + ") is not a tuple of sizes");
    ++i;
  }
  return h;
}

template <typename T>
T from_bytes(const char* p, bool swap) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, p, sizeof(T));
  if (swap) {
    if constexpr (sizeof(T) == 8)
      bits = __builtin_bswap64(bits);
    else
      bits = __builtin_bswap32(static_cast<std::uint32_t>(bits));
  }
  T value;
  std::memcpy(&value, &bits, sizeof(T));
  return value;
}

}  // namespace

NpyHeader read_npy_header(std::istream& in, const std::filesystem::path& path) {
  char pre[10] = {};
  if (!in.read(pre, 8) || std::memcmp(pre, magic, 6) != 0)
    fail(path, "not a NumPy .npy file (the magic string is missing)");
  const int major = static_cast<unsigned char>(pre[6]);
  if (major < 1 || major > 3) fail(path, "unknown .npy format version " + std::to_string(major));
  std::size_t header_len = 0;
  const int len_bytes = major == 1 ? 2 : 4;
  unsigned char len_raw[4] = {};
  if (!in.read(reinterpret_cast<char*>(len_raw), len_bytes)) fail(path, "truncated header");
  for (int i = len_bytes - 1; i >= 0; --i) header_len = header_len * 256 + len_raw[i];
  if (header_len > max_header)
    fail(path, "the header claims " + std::to_string(header_len) + " bytes, more than any NumPy header");
  std::string text(header_len, '\0');
  if (!in.read(text.data(), std::streamsize(header_len))) fail(path, "truncated header");
  NpyHeader h = parse_header(path, text);
  h.data_start = 8 + std::uintmax_t(len_bytes) + header_len;
  return h;
}

NpyArray read_npy(std::istream& in, std::uintmax_t size, const std::filesystem::path& path, double max_bytes) {
  const NpyHeader h = read_npy_header(in, path);
  if (h.item_size == 2) fail(path, "dtype float16 is not supported here; save the array as float64 or float32");
  if (h.shape.size() > 2) fail(path, "has " + std::to_string(h.shape.size()) + " dimensions; expected at most 2");

  std::int64_t rows = h.shape.empty() ? 1 : h.shape[0];
  std::int64_t cols = h.shape.size() == 2 ? h.shape[1] : 1;
  // Each dimension on its own too: (2^63 - 1) x 0 holds nothing but no loop over it ends.
  if (8.0 * double(std::max(rows, cols)) > max_bytes)
    fail(path, "has a dimension of " + std::to_string(std::max(rows, cols)) +
                   ", more than the memory budget could ever hold");
  const double count = double(rows) * double(cols);
  if (count * 8 > max_bytes)
    fail(path, "holds " + std::to_string(rows) + " x " + std::to_string(cols) + " values, over the memory budget of " +
                   std::to_string(int64_t(max_bytes / 1e6)) + " MB (raise --memory-budget if you mean it)");
  const std::uintmax_t data_start = h.data_start;
  const std::uintmax_t expected = data_start + std::uintmax_t(count) * std::uintmax_t(h.item_size);
  if (size != expected)
    fail(path, "the shape says " + std::to_string(expected - data_start) + " data bytes but the file has " +
                   std::to_string(size > data_start ? size - data_start : 0) +
                   (size < expected ? " (truncated)" : " (trailing bytes)"));

  std::vector<char> raw(std::size_t(count) * std::size_t(h.item_size));
  if (!in.read(raw.data(), std::streamsize(raw.size()))) fail(path, "truncated data");
  const bool swap = (h.byte_order == '>') != (std::endian::native == std::endian::big);
  NpyArray out;
  out.shape = h.shape;
  out.data.resize(rows, cols);
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j) {
      const std::int64_t flat = h.fortran ? j * rows + i : i * cols + j;
      const char* p = raw.data() + flat * h.item_size;
      out.data(i, j) = h.item_size == 8 ? from_bytes<double>(p, swap) : double(from_bytes<float>(p, swap));
    }
  return out;
}

NpyArray read_npy(const std::filesystem::path& path, double max_bytes) {
  check_input_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the file (does it exist?)");
  return read_npy(in, std::filesystem::file_size(path), path, max_bytes);
}

std::string npy_header(std::int64_t rows, std::int64_t cols, bool one_dimensional) {
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(rows) +
                     (one_dimensional ? ",), }" : ", " + std::to_string(cols) + "), }");
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  const auto len = static_cast<std::uint16_t>(dict.size());
  std::string header(magic, 6);
  header += {1, 0, static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  return header + dict;
}

std::string npy_bytes(const Eigen::Ref<const Eigen::MatrixXd>& a, bool one_dimensional) {
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = a;
  static_assert(std::endian::native == std::endian::little, "little-endian hosts only");
  std::string bytes = npy_header(a.rows(), a.cols(), one_dimensional);
  bytes.append(reinterpret_cast<const char*>(rows.data()), std::size_t(rows.size()) * 8);
  return bytes;
}

NpyWriter::NpyWriter(std::filesystem::path path, std::int64_t rows, std::int64_t cols, bool one_dimensional)
    : m_path((check_output_path(path), std::move(path))),
      m_temp(temporary_path(m_path)),
      m_tracked(m_temp),
      m_rows(rows),
      m_cols(cols) {
  m_out.open(m_temp, std::ios::binary | std::ios::trunc);
  if (!m_out) throw write_error(m_path);
  m_out << npy_header(rows, cols, one_dimensional);
}

NpyWriter::~NpyWriter() {
  if (m_finished) return;
  m_out.close();
  std::error_code ignored;
  std::filesystem::remove(m_temp, ignored);
}

void NpyWriter::append_rows(const Eigen::Ref<const Eigen::MatrixXd>& block) {
  if (block.cols() != m_cols || m_written + block.rows() > m_rows)
    throw std::logic_error("NpyWriter: block does not fit the declared shape");
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = block;
  static_assert(std::endian::native == std::endian::little, "little-endian hosts only");
  m_out.write(reinterpret_cast<const char*>(rows.data()), std::streamsize(rows.size() * 8));
  if (!m_out) throw write_error(m_path);
  m_written += block.rows();
}

void NpyWriter::finish() {
  if (m_written != m_rows) throw std::logic_error("NpyWriter: not every row was written");
  m_out.close();
  if (!m_out) throw write_error(m_path);
  commit_temporary(m_temp, m_path);
  m_finished = true;
}

void write_npy(const std::filesystem::path& path, const Eigen::Ref<const Eigen::MatrixXd>& a) {
  NpyWriter w(path, a.rows(), a.cols());
  w.append_rows(a);
  w.finish();
}

void write_npy_vector(const std::filesystem::path& path, const Eigen::Ref<const Eigen::VectorXd>& v) {
  NpyWriter w(path, v.size(), 1, true);
  w.append_rows(v);
  w.finish();
}

void check_finite(const NpyArray& a, const std::filesystem::path& path) {
  if (a.data.allFinite()) return;
  for (Eigen::Index i = 0; i < a.data.rows(); ++i)
    for (Eigen::Index j = 0; j < a.data.cols(); ++j) {
      const double v = a.data(i, j);
      if (std::isfinite(v)) continue;
      // Appends, not operator+ chains: GCC 12 warns falsely (-Wrestrict) on those at -O2.
      std::string index = "[";
      if (!a.shape.empty()) index.append(std::to_string(i));
      if (a.shape.size() == 2) index.append(", ").append(std::to_string(j));
      index.append("]");
      throw std::invalid_argument(path.string() + " holds " + (std::isnan(v) ? "NaN" : "an infinite value") +
                                  " at index " + index + "; every entry must be a finite number");
    }
}

}  // namespace ntk::core
