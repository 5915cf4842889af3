#include "core/io/provenance.h"
#include "core/io/sha256.h"
#include "core/io/temporary_files.h"
#include "core/io/text_formats.h"

#include <sys/stat.h>
#include <cerrno>

#include <gtest/gtest.h>
#include <fstream>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>

namespace ntk::core {
namespace {

// Regression (issue 10, item 10): times under 0.1 ms printed as 0.0000.
TEST(TextFormats, DurationsKeepThreeSignificantDigits) {
  EXPECT_EQ(format_duration(3.4142), "3.41 s");
  EXPECT_EQ(format_duration(0.0123), "12.3 ms");
  EXPECT_EQ(format_duration(0.000745), "745 us");
  EXPECT_EQ(format_duration(4.53e-5), "45.3 us");
  EXPECT_EQ(format_duration(8.12e-7), "812 ns");
  EXPECT_EQ(format_duration(0.0009997), "1.00 ms");  // never "1000 us"
  EXPECT_EQ(format_duration(1234.5), "1234 s");
}

// Issue 11: `merge` of a FIFO blocked forever in the open.
TEST(TextFormats, NumbersAreShortAndReadBackExactly) {
  EXPECT_EQ(format_number(100), "100");  // a range's end, as a person writes it (was "1e+02")
  EXPECT_EQ(format_number(1048576), "1048576");
  EXPECT_EQ(format_number(0.5), "0.5");
  EXPECT_EQ(format_number(1e-6), "1e-06");
  EXPECT_EQ(format_number(1e300), "1e+300");
  EXPECT_EQ(format_number(std::nan("")), "nan");
  for (const double v : {0.1, 1.0 / 3, 123456.789, -2.5e-7, 4503599627370497.0, 1e15, 99999999999999.0})
    EXPECT_EQ(std::strtod(format_number(v).c_str(), nullptr), v) << format_number(v);
}

TEST(TextFormats, CsvReaderTakesRegularFilesOnly) {
  const auto dir = std::filesystem::temp_directory_path() / "ntk_csv_special";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ASSERT_EQ(mkfifo((dir / "fifo.csv").c_str(), 0600), 0);
  for (const auto& path : {dir / "fifo.csv", dir, std::filesystem::path("/dev/zero")}) {
    try {
      read_csv(path);
      ADD_FAILURE() << path << " was read";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove_all(dir);
}

// Issue 11: a write error said only "cannot write PATH"; it says the system's reason.
TEST(TextFormats, WriteErrorsSayWhy) {
  try {
    write_text_atomic("/proc/ntk-no-such-dir/x.txt", "text");
    ADD_FAILURE() << "written";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write /proc/ntk-no-such-dir/x.txt: No such file or directory"),
              std::string::npos)
        << e.what();
  }
  errno = ENOSPC;
  EXPECT_STREQ(write_error("a.csv").what(),
               "cannot write a.csv: No space left on device; free some space and run it again");
}

// A process ended by a signal removes the temporary files in flight (issue 11).
TEST(TemporaryFiles, TrackedTemporariesAreRemovedOnRequest) {
  const auto path = std::filesystem::temp_directory_path() / "ntk_tracked.partial";
  std::ofstream(path) << "half";
  {
    const TrackedTemporary tracked(path);
    remove_tracked_temporaries();
    EXPECT_FALSE(std::filesystem::exists(path));
  }
  std::ofstream(path) << "kept";  // no longer tracked once its writer is gone
  remove_tracked_temporaries();
  EXPECT_TRUE(std::filesystem::exists(path));
  std::filesystem::remove(path);
}

// FIPS 180-4 examples.
TEST(Sha256, KnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  EXPECT_EQ(sha256_hex(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  const auto path = std::filesystem::temp_directory_path() / "ntk_sha256_test.txt";
  std::ofstream(path, std::ios::binary) << million;
  EXPECT_EQ(sha256_file(path), sha256_hex(million));
  std::filesystem::remove(path);
}

TEST(Provenance, NamesTheProgramCommandInputsAndDate) {
  const auto path = std::filesystem::temp_directory_path() / "ntk_provenance_input.txt";
  std::ofstream(path, std::ios::binary) << "abc";
  const auto json =
      nlohmann::json::parse(provenance_json({{"ntk-explorer", "compare", "--m", "16"}, {path}, 3, "float64"}));
  EXPECT_EQ(json.at("program"), "ntk-explorer");
  EXPECT_EQ(json.at("version"), NTK_VERSION);
  EXPECT_EQ(json.at("command_line"), (std::vector<std::string>{"ntk-explorer", "compare", "--m", "16"}));
  ASSERT_EQ(json.at("inputs").size(), 1u);
  EXPECT_EQ(json.at("inputs")[0].at("path"), std::filesystem::absolute(path).string());
  EXPECT_EQ(json.at("inputs")[0].at("sha256"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(json.at("threads"), 3);
  EXPECT_EQ(json.at("precision"), "float64");
  const std::string date = json.at("date");  // ISO 8601, UTC
  EXPECT_EQ(date.size(), 20u) << date;
  EXPECT_EQ(date.substr(0, 2), "20") << date;
  EXPECT_EQ(date.back(), 'Z') << date;
  EXPECT_TRUE(json.at("commit").is_string());
  std::filesystem::remove(path);
  EXPECT_THROW(provenance_json({{}, {path}, 1, "float64"}), std::invalid_argument);
}

// Every JSON file is written by nlohmann-json: text that is not JSON is refused, and bytes that
// are not UTF-8 (a file name in Latin-1) become U+FFFD instead of invalid JSON.
TEST(JsonObject, WritesValidUtf8JsonOnly) {
  EXPECT_THROW(JsonObject().add_raw("x", "{not json"), std::invalid_argument);
  const std::string text = JsonObject().add("name", std::string("caf\xe9.npy")).add("n", 100.0).add("x", NAN).str();
  const auto parsed = nlohmann::json::parse(text);
  EXPECT_EQ(parsed.at("name"), "caf\xef\xbf\xbd.npy");
  EXPECT_TRUE(parsed.at("n").is_number_integer());
  EXPECT_TRUE(parsed.at("x").is_null());
}

}  // namespace
}  // namespace ntk::core
