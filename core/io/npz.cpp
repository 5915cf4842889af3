#include "core/io/npz.h"

#include "core/io/temporary_files.h"
#include "core/io/text_formats.h"

#include <zip.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <istream>
#include <memory>
#include <set>
#include <stdexcept>
#include <streambuf>

namespace ntk::core {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::invalid_argument(path.string() + ": " + what);
}

// Why libzip refused, in words a user can act on.
std::string reason(zip_error_t* error) {
  switch (zip_error_code_zip(error)) {
    case ZIP_ER_NOZIP:
      return "not a ZIP archive (.npz): no end-of-archive record (cut short?)";
    case ZIP_ER_INCONS:
      return "not a ZIP archive that can be read (.npz): its records are inconsistent (damaged?)";
    case ZIP_ER_CRC:
      return "fails its CRC-32 check (the archive is damaged)";
    case ZIP_ER_ZLIB:
    case ZIP_ER_COMPRESSED_DATA:
      return "its compressed data is damaged";
    case ZIP_ER_OPEN:
    case ZIP_ER_NOENT:
      return "cannot open the file (does it exist?)";
    case ZIP_ER_MEMORY:
      return "out of memory while reading the archive";
    default:
      return std::string("cannot be read: ") + zip_error_strerror(error);
  }
}

std::string reason(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = reason(&error);
  zip_error_fini(&error);
  return text;
}

struct Discard {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
using Archive = std::unique_ptr<zip_t, Discard>;

struct Close {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};
using MemberFile = std::unique_ptr<zip_file_t, Close>;

// One member as a stream, inflated 64 KB at a time as the .npy reader asks (no copy of the
// member is held). A failed read throws; the istream rethrows it (badbit is in its exceptions()).
class MemberBuffer : public std::streambuf {
 public:
  MemberBuffer(zip_file_t* file, std::filesystem::path name) : m_file(file), m_name(std::move(name)) {}

  // Reads on past the last byte, which makes libzip check the CRC-32: the member must end here.
  void expect_end() {
    char extra = 0;
    if (gptr() < egptr() || read(&extra, 1) > 0) fail(m_name, "holds bytes after its array");
  }

 protected:
  int_type underflow() override {
    const std::size_t n = read(m_buffer.data(), m_buffer.size());
    if (n == 0) return traits_type::eof();
    setg(m_buffer.data(), m_buffer.data(), m_buffer.data() + n);
    return traits_type::to_int_type(m_buffer[0]);
  }

 private:
  std::size_t read(char* into, std::size_t count) {
    const zip_int64_t n = zip_fread(m_file, into, count);
    if (n < 0) fail(m_name, reason(zip_file_get_error(m_file)));
    return std::size_t(n);
  }

  zip_file_t* m_file;
  std::filesystem::path m_name;
  std::array<char, 1 << 16> m_buffer{};
};

// 1980-01-01 00:00 in local time, the DOS epoch: the archive's bytes depend on its arrays only.
std::time_t dos_epoch() {
  std::tm t{};
  t.tm_year = 80;
  t.tm_mday = 1;
  t.tm_isdst = -1;
  return std::mktime(&t);
}

// Calls read(key, name, size, in) for each .npy member of the archive at `path`, in archive
// order: `key` is its name without ".npy", `name` the archive and member for messages, `size`
// its bytes, `in` the member inflated as it is read, which must end where read() stops. Refuses
// what neither reader can read: no archive, a member twice, encrypted, compressed otherwise than
// stored or deflated, or of unrecorded size.
template <class Read>
void for_each_npy_member(const std::filesystem::path& path, Read read) {
  check_input_file(path);
  std::error_code missing;
  const std::uintmax_t size = std::filesystem::file_size(path, missing);
  if (missing) fail(path, "cannot open the file (does it exist?)");
  if (size == 0) fail(path, "not a ZIP archive (.npz): the file is empty");
  int code = 0;
  const Archive archive(zip_open(path.c_str(), ZIP_RDONLY, &code));
  if (!archive) fail(path, reason(code));
  std::set<std::string> keys;
  const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t e = 0; e < entries; ++e) {
    zip_stat_t st;
    if (zip_stat_index(archive.get(), zip_uint64_t(e), 0, &st) != 0) fail(path, reason(zip_get_error(archive.get())));
    const std::string member = st.valid & ZIP_STAT_NAME ? st.name : "";
    if (member.size() <= 4 || member.compare(member.size() - 4, 4, ".npy") != 0) continue;
    const std::filesystem::path name = path.string() + "[" + member + "]";
    const std::string key = member.substr(0, member.size() - 4);
    if (!keys.insert(key).second) fail(path, "holds " + member + " twice");
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) fail(name, "is encrypted");
    if (!(st.valid & ZIP_STAT_COMP_METHOD) || (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE))
      fail(name, "is compressed with method " + std::to_string(st.comp_method) +
                     "; only stored and deflated (np.savez, np.savez_compressed) are read");
    if (!(st.valid & ZIP_STAT_SIZE)) fail(name, "its size is not recorded");
    const MemberFile file(zip_fopen_index(archive.get(), zip_uint64_t(e), 0));
    if (!file) fail(name, reason(zip_get_error(archive.get())));
    MemberBuffer buffer(file.get(), name);
    std::istream in(&buffer);
    in.exceptions(std::ios::badbit);
    read(key, name, st.size, in);
    buffer.expect_end();
  }
}

}  // namespace

std::map<std::string, NpyArray> read_npz(const std::filesystem::path& path, double max_bytes) {
  std::map<std::string, NpyArray> arrays;
  double left = max_bytes;
  for_each_npy_member(
      path, [&](const std::string& key, const std::filesystem::path& name, std::uint64_t size, std::istream& in) {
        // An array within the budget takes at most that many bytes, plus its header (under 1 MB).
        if (double(size) > left + 1e6)
          fail(name, "holds " + std::to_string(size / 1000000) +
                         " MB, over the memory budget (raise --memory-budget if you mean it)");
        NpyArray a = read_npy(in, size, name, left);
        left -= 8.0 * double(a.data.size());
        arrays.emplace(key, std::move(a));
      });
  return arrays;
}

std::vector<TensorInfo> unpack_npz(const std::filesystem::path& path, int fd) {
  std::vector<TensorInfo> tensors;
  std::uint64_t written = 0;
  std::array<char, 1 << 16> chunk{};
  for_each_npy_member(
      path, [&](const std::string& key, const std::filesystem::path& name, std::uint64_t size, std::istream& in) {
        TensorInfo t;
        t.name = key;
        const NpyHeader h = read_npy_header(in, name);
        if (h.fortran)
          fail(name,
               "is in Fortran (column-major) order; save np.ascontiguousarray(a) instead, so that it can be "
               "read block by block");
        t.dtype = h.item_size == 8 ? TensorDtype::f64 : h.item_size == 4 ? TensorDtype::f32 : TensorDtype::f16;
        // Each dimension below 2^40 and the product checked against the member's size, as a
        // .safetensors header's.
        long double bytes = h.item_size;
        for (const std::int64_t s : h.shape) {
          if (s > max_tensor_dimension)
            fail(name, "has a dimension of " + std::to_string(s) + ", more than any file holds");
          bytes *= static_cast<long double>(s);
        }
        if (h.data_start + bytes != static_cast<long double>(size))
          fail(name,
               "its shape " + shape_text(h.shape) + " needs " + std::to_string(static_cast<unsigned long long>(bytes)) +
                   " data bytes, but it holds " + std::to_string(size - std::min<std::uint64_t>(size, h.data_start)) +
                   (h.data_start + bytes > static_cast<long double>(size) ? " (truncated)" : " (trailing bytes)"));
        t.shape = h.shape;
        t.begin = written;
        const bool swap = (h.byte_order == '>') != (std::endian::native == std::endian::big);
        auto left = static_cast<std::uint64_t>(bytes);
        while (left > 0) {
          const std::size_t n = std::min<std::uint64_t>(left, chunk.size());
          if (!in.read(chunk.data(), std::streamsize(n))) fail(name, "is cut short");
          if (swap)
            for (std::size_t i = 0; i < n; i += std::size_t(h.item_size))
              std::reverse(&chunk[i], &chunk[i] + h.item_size);
          for (std::size_t done = 0; done < n;) {
            const ssize_t w = ::write(fd, chunk.data() + done, n - done);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0)
              throw std::runtime_error(name.string() + ": cannot be unpacked into a temporary file (" +
                                       std::strerror(errno) + "); free space in $TMPDIR or point TMPDIR elsewhere");
            done += std::size_t(w);
          }
          left -= n;
        }
        written += static_cast<std::uint64_t>(bytes);
        tensors.push_back(std::move(t));
      });
  return tensors;
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
  check_output_path(path);
  const std::filesystem::path temp = temporary_path(path);
  const TrackedTemporary tracked(temp);
  // libzip writes the archive beside `temp` and renames it there when closed; commit_temporary
  // then syncs it and renames it to `path`.
  const auto refused = [&](zip_error_t* error) {
    if (zip_error_system_type(error) == ZIP_ET_SYS) {
      errno = zip_error_code_system(error);
      return write_error(path);
    }
    return std::runtime_error(path.string() + ": cannot write the archive: " + zip_error_strerror(error));
  };
  int code = 0;
  Archive archive(zip_open(temp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code));
  if (!archive) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    const std::runtime_error failure = refused(&error);
    zip_error_fini(&error);
    throw failure;
  }
  const std::time_t epoch = dos_epoch();
  for (const auto& [name, bytes] : m_members) {
    zip_source_t* source = zip_source_buffer(archive.get(), bytes.data(), bytes.size(), 0);
    const zip_int64_t index = source ? zip_file_add(archive.get(), name.c_str(), source, 0) : -1;
    if (index < 0) {
      zip_source_free(source);
      throw refused(zip_get_error(archive.get()));
    }
    // Stored (as np.savez writes), mode 0644, the DOS epoch.
    if (zip_set_file_compression(archive.get(), zip_uint64_t(index), ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_external_attributes(archive.get(), zip_uint64_t(index), 0, ZIP_OPSYS_UNIX, 0100644u << 16) != 0 ||
        zip_file_set_mtime(archive.get(), zip_uint64_t(index), epoch, 0) != 0)
      throw refused(zip_get_error(archive.get()));
  }
  if (zip_close(archive.get()) != 0) {
    const std::runtime_error failure = refused(zip_get_error(archive.get()));
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw failure;
  }
  static_cast<void>(archive.release());  // closed: zip_close freed it
  commit_temporary(temp, path);
}

}  // namespace ntk::core
