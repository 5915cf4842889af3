#pragma once
// NumPy .npz archives: ZIP files of .npy members, as np.savez (stored) and np.savez_compressed
// (deflated) write them, ZIP64 records included, read and written by libzip (Debian's
// libzip-dev). Like the .npy reader, everything malformed is refused with a message naming the
// file and what is wrong, and nothing is read past the budget: members are streamed into the
// .npy reader, never held whole beside the arrays.

#include "core/io/npy.h"
#include "core/io/safetensors.h"

#include <Eigen/Core>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ntk::core {

/// Every .npy member of the archive, by name without ".npy" (other members are skipped). The
/// budget holds for all the arrays together, once converted to float64. Throws
/// std::invalid_argument for a missing file, a file that is not a ZIP archive, a member that is
/// encrypted, cut short, compressed other than stored or deflated, or fails its CRC-32.
std::map<std::string, NpyArray> read_npz(const std::filesystem::path& path, double max_bytes = 4e9);

/// Unpacks every .npy member of the archive (stored or deflated, of any number of dimensions,
/// float64, float32 or float16, either byte order, C order) into `fd`, one after the other in
/// little-endian order: what TensorFile maps. Returns each member as a tensor, named without
/// ".npy", at its byte offset in `fd`. Throws std::invalid_argument as read_npz, and for a member
/// in Fortran order or whose size does not match its shape; std::runtime_error when `fd`
/// refuses a write.
std::vector<TensorInfo> unpack_npz(const std::filesystem::path& path, int fd);

/// An .npz archive written atomically, its members stored (as np.savez does), so np.load reads
/// it; a member other than .npy (metrics.json) reads as bytes there. Past 4 GB it is ZIP64.
class NpzWriter {
 public:
  /// A 2-D float64 array as member `name`.npy.
  void add(const std::string& name, const Eigen::Ref<const Eigen::MatrixXd>& a);
  /// A 1-D float64 array as member `name`.npy.
  void add_vector(const std::string& name, const Eigen::Ref<const Eigen::VectorXd>& v);
  /// Any bytes as member `file_name` (the whole name, extension included).
  void add_file(const std::string& file_name, std::string bytes);
  /// Writes the archive (write, fsync, then rename: commit_temporary). Throws
  /// std::invalid_argument when `path` is not a regular file, and what core::write_error throws
  /// when the disk refuses.
  void write(const std::filesystem::path& path) const;

 private:
  std::vector<std::pair<std::string, std::string>> m_members;
};

}  // namespace ntk::core
