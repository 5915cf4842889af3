#pragma once
// Files of named tensors, read block by block: .safetensors files (the format of Hugging Face
// checkpoints, PEFT adapters and saved KV caches: an 8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the data) and NumPy .npz archives
// (np.savez or np.savez_compressed; each .npy member a tensor). A .safetensors file is
// memory-mapped in place; an .npz archive is first unpacked into an unlinked temporary file
// (in $TMPDIR) and that is mapped. Either way its tensors are read block by block, so a prefix of
// any length streams in memory independent of its size. F64, F32, F16 and BF16 are read
// (converted to float64); anything malformed is refused naming the file and the tensor.

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ntk::core {

enum class TensorDtype { f64, f32, f16, bf16 };

struct TensorInfo {
  std::string name;
  TensorDtype dtype = TensorDtype::f64;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;    ///< byte offset of the data in the file
  std::int64_t size() const;  ///< entries: the product of the shape
};

/// The size in bytes of one entry.
std::size_t dtype_bytes(TensorDtype dtype);
/// "F64", "F32", "F16", "BF16": as the format spells them.
const char* to_string(TensorDtype dtype);

/// Dimensions above this are refused as malformed (no file holds one).
inline constexpr std::int64_t max_tensor_dimension = std::int64_t{1} << 40;

class TensorFile {
 public:
  /// Maps `path` and checks its header: valid JSON, every tensor's dtype one of the four read,
  /// its shape and byte range consistent, every range inside the file and no two overlapping;
  /// a file that starts as a ZIP archive is read as an .npz archive (core::unpack_npz). Throws
  /// std::invalid_argument naming the file (and the tensor) and what is wrong, and
  /// std::runtime_error when the temporary file an .npz archive needs cannot be written.
  explicit TensorFile(const std::filesystem::path& path);
  ~TensorFile();
  TensorFile(const TensorFile&) = delete;
  TensorFile& operator=(const TensorFile&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  /// In the order of their data in the file.
  const std::vector<TensorInfo>& tensors() const { return m_tensors; }
  /// The tensor named `name`; throws std::invalid_argument listing the names there are.
  const TensorInfo& tensor(std::string_view name) const;
  bool has(std::string_view name) const;
  /// The header's "__metadata__" (string values), empty without one (and for an .npz archive).
  const std::map<std::string, std::string>& metadata() const { return m_metadata; }

  /// Entries [row0, row0 + rows) x [col0, col0 + cols) of `t` seen as a matrix of shape[0] rows
  /// (row-major, as stored; a 1-D tensor is one column), converted to float64 into `out`
  /// (rows x cols). Throws std::invalid_argument for a block outside the tensor or a NaN or
  /// infinite entry (naming the tensor and the index). The mapped pages wholly inside a block
  /// (when they are at least 16 kB) are released after it is read, so that streaming a tensor through
  /// blocks keeps the process's memory at a block, not the file (the kernel's page cache keeps
  /// them for a second read).
  void read(const TensorInfo& t, std::int64_t row0, std::int64_t rows, std::int64_t col0, std::int64_t cols,
            Eigen::Ref<Eigen::MatrixXd> out) const;
  /// The whole tensor as a float64 matrix (shape[0] x the product of the other dimensions).
  Eigen::MatrixXd read(const TensorInfo& t) const;

 private:
  static constexpr std::size_t release_bytes = std::size_t(16) << 10;
  void open_npz();
  void release_pages(std::size_t begin, std::size_t end) const;

  std::filesystem::path m_path;
  const unsigned char* m_data = nullptr;
  std::size_t m_bytes = 0;
  std::vector<TensorInfo> m_tensors;
  std::map<std::string, std::string> m_metadata;
};

/// A shape as the messages write it: "[6, 48]".
std::string shape_text(const std::vector<std::int64_t>& shape);

/// The rows and columns of `t` as read() sees it: shape[0], and the product of the rest.
std::int64_t tensor_rows(const TensorInfo& t);
std::int64_t tensor_cols(const TensorInfo& t);

}  // namespace ntk::core
