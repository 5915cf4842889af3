#pragma once
// Small text formats without widgets: CSV tables (sweep results) and flat JSON objects
// (metrics), written so that a reader never sees a half-written file.

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ntk::core {

/// Shortest decimal text that reads back to the same double, whole numbers below 1e15 written out
/// in full ("100", not "1e+02"); "nan", "inf" as NumPy writes them.
std::string format_number(double v);

/// A duration with three significant digits in the unit that suits it: "812 ns", "45.3 us",
/// "12.0 ms", "3.41 s" (ASCII "us", so any terminal shows it).
std::string format_duration(double seconds);

/// A CSV table: a header line and rows of the same width. Fields never contain commas here.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// Parses CSV text; throws std::invalid_argument (naming `origin` and the line) for a row whose
/// width differs from the header or an empty file.
CsvTable parse_csv(const std::string& text, const std::string& origin);
CsvTable read_csv(const std::filesystem::path& path);
std::string csv_line(const std::vector<std::string>& fields);

/// Throws std::invalid_argument when `path` exists and is not a regular file (a directory, a
/// device, a FIFO): checked before opening, since a FIFO would block the open and a device
/// would never end.
void check_input_file(const std::filesystem::path& path);

/// The error of a failed write to `path`, with the system's reason (errno: "No space left on
/// device", "Read-only file system", ...).
std::runtime_error write_error(const std::filesystem::path& path);

/// Throws std::invalid_argument when `path` exists and is not a regular file (a directory, a
/// device such as /dev/full, a FIFO): outputs replace files by a rename, which must never
/// replace anything else.
void check_output_path(const std::filesystem::path& path);

/// Where a writer puts `path`'s bytes until they are all written: "PATH.partial", same folder.
std::filesystem::path temporary_path(const std::filesystem::path& path);

/// Replaces `path` by the closed file `temp` durably: fsync of `temp`, the rename, then fsync of
/// the folder, so that after a crash `path` holds the old bytes or the new ones, whole. Throws
/// std::runtime_error (write_error) when a step fails; `temp` is then removed.
void commit_temporary(const std::filesystem::path& temp, const std::filesystem::path& path);

/// Writes text to `path` through a temporary file and a rename (check_output_path first).
/// Throws std::runtime_error when the write fails, leaving the old file as it was.
void write_text_atomic(const std::filesystem::path& path, const std::string& text);

/// A JSON object built in insertion order, written by nlohmann-json (Debian's
/// nlohmann-json3-dev): every JSON file the program writes goes through it.
class JsonObject {
 public:
  JsonObject();
  ~JsonObject();
  JsonObject(JsonObject&&) noexcept;
  JsonObject& operator=(JsonObject&&) noexcept;

  JsonObject& add(const std::string& key, double value);  ///< NaN and infinities as null
  JsonObject& add(const std::string& key, long long value);
  JsonObject& add(const std::string& key, const std::string& value);
  JsonObject& add(const std::string& key, const char* value) { return add(key, std::string(value)); }
  JsonObject& add(const std::string& key, bool value);
  JsonObject& add(const std::string& key, const std::vector<std::string>& values);  ///< an array of strings
  JsonObject& add(const std::string& key, const std::vector<JsonObject>& objects);  ///< an array of objects
  /// Adds a nested value given as JSON text; throws std::invalid_argument (nlohmann's
  /// parse_error) when it is not JSON.
  JsonObject& add_raw(const std::string& key, const std::string& json);
  /// Indented by two spaces, with a final newline; bytes that are not UTF-8 become U+FFFD.
  std::string str() const;

 private:
  std::unique_ptr<nlohmann::ordered_json> m_json;
};

}  // namespace ntk::core
