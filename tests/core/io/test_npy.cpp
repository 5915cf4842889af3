#include "core/io/npy.h"
#include "core/io/npz.h"
#include "tests/test_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

namespace ntk::core {
namespace {

namespace fs = std::filesystem;

class Npy : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() /
            ("ntk_npy_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }

  // A file with the given header dict and raw data bytes (format 1.0, padded like NumPy).
  fs::path write_raw(const std::string& dict, const std::string& data, int major = 1) {
    std::string header = dict;
    const std::size_t prefix = major == 1 ? 10 : 12;
    header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += char(major);
    bytes += char(0);
    const std::size_t n = header.size();
    bytes += char(n & 0xff);
    bytes += char((n >> 8) & 0xff);
    if (major > 1) bytes += std::string(2, '\0');
    const fs::path path = m_dir / "a.npy";
    std::ofstream(path, std::ios::binary) << bytes << header << data;
    return path;
  }

  template <typename T>
  static std::string bytes_of(const std::vector<T>& v, bool big_endian = false) {
    std::string s(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    if (big_endian)
      for (std::size_t i = 0; i < s.size(); i += sizeof(T)) std::reverse(s.begin() + i, s.begin() + i + sizeof(T));
    return s;
  }

  void expect_refused(const fs::path& path, const std::string& fragment) {
    try {
      read_npy(path);
      ADD_FAILURE() << "no error for " << fragment;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }

  fs::path m_dir;
};

TEST_F(Npy, RoundTripMatrixAndVector) {
  const Eigen::MatrixXd a = test::random_matrix(5, 3, 1.0, 1);
  write_npy(m_dir / "m.npy", a);
  const NpyArray back = read_npy(m_dir / "m.npy");
  EXPECT_EQ(back.data, a);
  EXPECT_EQ(back.shape, (std::vector<std::int64_t>{5, 3}));
  const Eigen::VectorXd v = a.col(0);
  write_npy_vector(m_dir / "v.npy", v);
  EXPECT_EQ(read_npy(m_dir / "v.npy").shape, (std::vector<std::int64_t>{5}));
  EXPECT_EQ(read_npy(m_dir / "v.npy").data, Eigen::MatrixXd(v));
  EXPECT_FALSE(fs::exists(m_dir / "m.npy.partial"));
}

TEST_F(Npy, ReadsFloat32FortranOrderBigEndianAndVersion2) {
  Eigen::MatrixXd expected(2, 3);
  expected << 1, 2, 3, 4, 5, 6;
  EXPECT_EQ(read_npy(write_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                               bytes_of(std::vector<float>{1, 2, 3, 4, 5, 6})))
                .data,
            expected);
  EXPECT_EQ(read_npy(write_raw("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                               bytes_of(std::vector<double>{1, 4, 2, 5, 3, 6})))
                .data,
            expected);
  EXPECT_EQ(read_npy(write_raw("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }",
                               bytes_of(std::vector<double>{1, 2, 3, 4, 5, 6}, true)))
                .data,
            expected);
  EXPECT_EQ(read_npy(write_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                               bytes_of(std::vector<double>{1, 2, 3, 4, 5, 6}), 2))
                .data,
            expected);
}

TEST_F(Npy, MalformedFilesAreRefusedWithTheReason) {
  expect_refused(m_dir / "missing.npy", "cannot open");
  std::ofstream(m_dir / "text.npy") << "hello, this is not numpy";
  expect_refused(m_dir / "text.npy", "magic");
  std::ofstream(m_dir / "short.npy", std::ios::binary) << "\x93NUMPY\x01";
  expect_refused(m_dir / "short.npy", "magic");
  // Header length claims more bytes than the file has.
  std::ofstream(m_dir / "trunc.npy", std::ios::binary) << std::string("\x93NUMPY\x01\x00\xff\x00{'descr'", 18);
  expect_refused(m_dir / "trunc.npy", "truncated header");
  // Header length beyond any NumPy header (version 2, 4-byte length).
  std::ofstream(m_dir / "huge.npy", std::ios::binary) << std::string("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12);
  expect_refused(m_dir / "huge.npy", "more than any NumPy header");
  const std::string six = bytes_of(std::vector<double>{1, 2, 3, 4, 5, 6});
  expect_refused(write_raw("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", six), "dtype '<i8'");
  expect_refused(write_raw("{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }", six), "dtype");
  expect_refused(write_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 4), }", six), "truncated");
  expect_refused(write_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", six), "trailing");
  expect_refused(write_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", six), "3 dimensions");
  expect_refused(write_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (999999999999, 999999999), }", six),
                 "memory budget");
  expect_refused(write_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 3), }", six), "shape");
  expect_refused(write_raw("{'descr': '<f8', 'shape': (2, 3), }", six), "fortran_order");
  expect_refused(write_raw("{'fortran_order': False, 'shape': (2, 3), }", six), "descr");
  // Regressions from issue 11: a zero-element shape with an absurd dimension passed the size
  // check and every loop over its rows hung; a FIFO blocked the open; a directory was "opened".
  expect_refused(write_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, 0), }", ""),
                 "could ever hold");
  expect_refused(write_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 9223372036854775807), }", ""),
                 "could ever hold");
  ASSERT_EQ(mkfifo((m_dir / "fifo.npy").c_str(), 0600), 0);
  expect_refused(m_dir / "fifo.npy", "not a regular file");
  expect_refused(m_dir, "not a regular file");
}

TEST_F(Npy, UnfinishedWriterLeavesNoFile) {
  {
    NpyWriter w(m_dir / "w.npy", 4, 2);
    w.append_rows(Eigen::MatrixXd::Ones(2, 2));
  }  // destroyed before finish(), as when an exception unwinds
  EXPECT_FALSE(fs::exists(m_dir / "w.npy"));
  EXPECT_FALSE(fs::exists(m_dir / "w.npy.partial"));
}

// .npz archives as NumPy writes them: np.savez (stored, with ZIP64 extras in the local headers)
// and np.savez_compressed (deflated), float32 Fortran order in the second; made by
// np.savez("stored.npz", A=np.arange(6.).reshape(2, 3), v=[1.5, -2]) and its compressed twin.
TEST_F(Npy, ReadsNumpyArchivesStoredAndCompressed) {
  const fs::path dir = fs::path(NTK_TEST_DATA_DIR) / "npz";
  Eigen::MatrixXd A(2, 3);
  A << 0, 1, 2, 3, 4, 5;
  for (const char* name : {"stored.npz", "compressed.npz"}) {
    const std::map<std::string, NpyArray> arrays = read_npz(dir / name);
    ASSERT_EQ(arrays.size(), 2u) << name;
    EXPECT_EQ(arrays.at("A").data, A) << name;
    EXPECT_EQ(arrays.at("A").shape, (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(arrays.at("v").data, Eigen::Vector2d(1.5, -2.0)) << name;
    EXPECT_EQ(arrays.at("v").shape, (std::vector<std::int64_t>{2}));
  }
}

// A is 240 KB, several of the 64 KB pieces in which a member is streamed to the .npy reader.
TEST_F(Npy, ArchiveRoundTripKeepsEveryMember) {
  const Eigen::MatrixXd A = Eigen::MatrixXd::Random(300, 100);
  const Eigen::VectorXd v = Eigen::VectorXd::Random(7);
  NpzWriter npz;
  npz.add("A", A);
  npz.add_vector("v", v);
  npz.add_file("metrics.json", "{}");  // not an array: skipped by the reader
  npz.write(m_dir / "out.npz");
  const std::map<std::string, NpyArray> arrays = read_npz(m_dir / "out.npz");
  ASSERT_EQ(arrays.size(), 2u);
  EXPECT_EQ(arrays.at("A").data, A);
  EXPECT_EQ(arrays.at("v").data, v);
  EXPECT_EQ(arrays.at("v").shape.size(), 1u);
  EXPECT_FALSE(fs::exists(m_dir / "out.npz.partial"));
  // The same arrays give the same bytes (no clock in the archive).
  npz.write(m_dir / "again.npz");
  const auto bytes = [](const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(bytes(m_dir / "out.npz"), bytes(m_dir / "again.npz"));
}

TEST_F(Npy, DamagedArchivesAreRefusedWithTheReason) {
  NpzWriter npz;
  npz.add("A", Eigen::MatrixXd::Ones(4, 4));
  npz.write(m_dir / "good.npz");
  std::string bytes;
  {
    std::ifstream in(m_dir / "good.npz", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(m_dir / name, std::ios::binary) << content;
    return m_dir / name;
  };
  const auto expect_refused = [](const fs::path& path, const std::string& reason, double budget = 4e9) {
    try {
      read_npz(path, budget);
      ADD_FAILURE() << path << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  };
  std::string flipped = bytes;
  flipped[200] = char(flipped[200] ^ 0x40);  // a byte of A's data
  expect_refused(write("flipped.npz", flipped), "CRC-32");
  expect_refused(write("cut.npz", bytes.substr(0, bytes.size() / 2)), "not a ZIP archive");
  expect_refused(write("text.npz", "not a zip at all"), "not a ZIP archive");
  expect_refused(write("empty.npz", ""), "not a ZIP archive");
  expect_refused(m_dir / "missing.npz", "cannot open");
  expect_refused(m_dir / "good.npz", "memory budget", 64);
  expect_refused(m_dir, "not a regular file");
  NpzWriter padded;  // a member with bytes after its array
  padded.add_file("B.npy", npy_bytes(Eigen::MatrixXd::Ones(2, 2)) + "junk");
  padded.write(m_dir / "padded.npz");
  expect_refused(m_dir / "padded.npz", "trailing bytes");
}

}  // namespace
}  // namespace ntk::core
