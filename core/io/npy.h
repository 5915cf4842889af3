#pragma once
// NumPy .npy files (format versions 1.0, 2.0 and 3.0): float64 or float32, either byte order,
// C or Fortran order, 0 to 2 dimensions. Everything malformed is refused with a message that
// names the file and what is wrong; nothing is read past the memory budget.

#include "core/io/temporary_files.h"

#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <string>
#include <vector>

namespace ntk::core {

struct NpyArray {
  Eigen::MatrixXd data;             ///< 1-D arrays as n x 1, 0-D as 1 x 1
  std::vector<std::int64_t> shape;  ///< as stored
};

/// What a .npy header says of its array.
struct NpyHeader {
  char byte_order = '<';            ///< '<' or '>'
  int item_size = 8;                ///< float64, float32 or float16
  bool fortran = false;             ///< stored in Fortran (column-major) order
  std::vector<std::int64_t> shape;  ///< any number of dimensions
  std::uintmax_t data_start = 0;    ///< bytes before the data: magic, version, length and dict
};

/// Reads the header at the start of `in` (a .npy file or an .npz member; `path` names it in
/// messages). Throws std::invalid_argument for a missing magic string, an unknown version, a
/// truncated or malformed header, or a dtype other than float64, float32 or float16.
NpyHeader read_npy_header(std::istream& in, const std::filesystem::path& path);

/// Reads a whole file. Throws std::invalid_argument for a missing or malformed file, an
/// unsupported dtype (float16 included), more than two dimensions, a size that does not match the file, or an
/// array larger than max_bytes once converted to float64.
NpyArray read_npy(const std::filesystem::path& path, double max_bytes = 4e9);
/// The same from `in`, whose next `size` bytes are one whole .npy file (an .npz member);
/// `path` names it in messages.
NpyArray read_npy(std::istream& in, std::uintmax_t size, const std::filesystem::path& path, double max_bytes);

/// Throws std::invalid_argument naming `path` and the index, in the file's own shape, of the
/// first NaN or infinite entry of `a` (in C order).
void check_finite(const NpyArray& a, const std::filesystem::path& path);

/// Writes a float64 C-order .npy row block by row block, so arrays larger than memory can be
/// written. The file appears under its name only when finish() succeeds (write, then rename).
class NpyWriter {
 public:
  /// A 2-D array (rows x cols), or a 1-D one of `rows` entries when one_dimensional.
  NpyWriter(std::filesystem::path path, std::int64_t rows, std::int64_t cols, bool one_dimensional = false);
  ~NpyWriter();
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  void append_rows(const Eigen::Ref<const Eigen::MatrixXd>& block);
  /// Checks that every row was written, flushes and renames; throws std::runtime_error.
  void finish();

 private:
  std::filesystem::path m_path, m_temp;
  TrackedTemporary m_tracked;
  std::ofstream m_out;
  std::int64_t m_rows, m_cols, m_written = 0;
  bool m_finished = false;
};

/// The .npy header (magic, version 1.0, dict) of a float64 C-order array.
std::string npy_header(std::int64_t rows, std::int64_t cols, bool one_dimensional);
/// A whole float64 C-order .npy file in memory (an .npz member).
std::string npy_bytes(const Eigen::Ref<const Eigen::MatrixXd>& a, bool one_dimensional = false);
void write_npy(const std::filesystem::path& path, const Eigen::Ref<const Eigen::MatrixXd>& a);
/// A 1-D array.
void write_npy_vector(const std::filesystem::path& path, const Eigen::Ref<const Eigen::VectorXd>& v);

}  // namespace ntk::core
