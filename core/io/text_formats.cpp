#include "core/io/text_formats.h"

#include "core/io/temporary_files.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ntk::core {

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  if (v == std::trunc(v) && std::abs(v) < 1e15) {  // whole numbers in full: 100, never 1e+02
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string format_duration(double seconds) {
  // 0.9995 and not 1: 999.7 us rounds to "1.00 ms", never to "1000 us".
  const double a = std::abs(seconds);
  const double unit = a >= 0.9995 ? 1 : a >= 0.9995e-3 ? 1e-3 : a >= 0.9995e-6 ? 1e-6 : 1e-9;
  const char* name = unit == 1 ? "s" : unit == 1e-3 ? "ms" : unit == 1e-6 ? "us" : "ns";
  const double v = seconds / unit;
  char text[48];
  std::snprintf(text, sizeof text, "%.*f %s", std::abs(v) >= 99.95 ? 0 : std::abs(v) >= 9.995 ? 1 : 2, v, name);
  return text;
}

CsvTable parse_csv(const std::string& text, const std::string& origin) {
  CsvTable table;
  std::istringstream in(text);
  std::string line;
  std::size_t number = 0;
  auto split = [](const std::string& l) {
    std::vector<std::string> fields;
    std::stringstream s(l);
    std::string f;
    while (std::getline(s, f, ',')) fields.push_back(f);
    if (!l.empty() && l.back() == ',') fields.emplace_back();
    return fields;
  };
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto fields = split(line);
    if (table.header.empty()) {
      table.header = std::move(fields);
      continue;
    }
    if (fields.size() != table.header.size())
      throw std::invalid_argument(origin + ": line " + std::to_string(number) + " has " +
                                  std::to_string(fields.size()) + " fields, the header " +
                                  std::to_string(table.header.size()));
    table.rows.push_back(std::move(fields));
  }
  if (table.header.empty()) throw std::invalid_argument(origin + ": empty CSV file");
  return table;
}

CsvTable read_csv(const std::filesystem::path& path) {
  check_input_file(path);
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path.string() + ": cannot open the file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_csv(text.str(), path.string());
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + fields[i];
  return line + "\n";
}

void check_input_file(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw std::invalid_argument(path.string() + ": is not a regular file (a directory, device or FIFO)");
}

std::runtime_error write_error(const std::filesystem::path& path) {
  const int code = errno;
  return std::runtime_error("cannot write " + path.string() + ": " + std::strerror(code) +
                            (code == ENOSPC ? "; free some space and run it again" : ""));
}

void check_output_path(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw std::invalid_argument(path.string() + " exists and is not a regular file (" +
                                (std::filesystem::is_directory(status) ? "a directory" : "a device, FIFO or socket") +
                                "); give the path of a file to write");
}

std::filesystem::path temporary_path(const std::filesystem::path& path) {
  std::filesystem::path temp = path;
  temp += ".partial";
  return temp;
}

namespace {

// fsync of a file or folder by name; false (errno set) when it cannot be opened or synced.
bool sync_path(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  const int code = errno;
  ::close(fd);
  errno = code;
  return ok;
}

}  // namespace

void commit_temporary(const std::filesystem::path& temp, const std::filesystem::path& path) {
  std::error_code error;
  if (!sync_path(temp, O_RDONLY)) {
    const std::runtime_error failure = write_error(path);
    std::filesystem::remove(temp, error);
    throw failure;
  }
  std::filesystem::rename(temp, path, error);
  if (error) {
    errno = error.value();
    const std::runtime_error failure = write_error(path);
    std::filesystem::remove(temp, error);
    throw failure;
  }
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
  if (!sync_path(folder, O_RDONLY | O_DIRECTORY) && errno != EINVAL) throw write_error(path);
}

void write_text_atomic(const std::filesystem::path& path, const std::string& text) {
  check_output_path(path);
  const std::filesystem::path temp = temporary_path(path);
  const TrackedTemporary tracked(temp);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw write_error(path);
    out << text;
    out.close();
    if (!out) {
      const std::runtime_error error = write_error(path);
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      throw error;
    }
  }
  commit_temporary(temp, path);
}

JsonObject::JsonObject() : m_json(std::make_unique<nlohmann::ordered_json>(nlohmann::ordered_json::object())) {}
JsonObject::~JsonObject() = default;
JsonObject::JsonObject(JsonObject&&) noexcept = default;
JsonObject& JsonObject::operator=(JsonObject&&) noexcept = default;

JsonObject& JsonObject::add(const std::string& key, double value) {
  // JSON has no NaN or infinity: such a value is written as null; whole numbers as integers (100,
  // never 100.0), as format_number writes them.
  auto& field = (*m_json)[key];
  if (!std::isfinite(value))
    field = nullptr;
  else if (value == std::trunc(value) && std::abs(value) < 1e15)
    field = static_cast<long long>(value);
  else
    field = value;
  return *this;
}

JsonObject& JsonObject::add(const std::string& key, long long value) {
  (*m_json)[key] = value;
  return *this;
}

JsonObject& JsonObject::add(const std::string& key, const std::string& value) {
  (*m_json)[key] = value;
  return *this;
}

JsonObject& JsonObject::add(const std::string& key, bool value) {
  (*m_json)[key] = value;
  return *this;
}

JsonObject& JsonObject::add(const std::string& key, const std::vector<std::string>& values) {
  (*m_json)[key] = values;
  return *this;
}

JsonObject& JsonObject::add(const std::string& key, const std::vector<JsonObject>& objects) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const JsonObject& o : objects) array.push_back(*o.m_json);
  (*m_json)[key] = std::move(array);
  return *this;
}

JsonObject& JsonObject::add_raw(const std::string& key, const std::string& json) {
  try {
    (*m_json)[key] = nlohmann::ordered_json::parse(json);
  } catch (const nlohmann::ordered_json::parse_error& e) {
    throw std::invalid_argument("not JSON (" + key + "): " + e.what());
  }
  return *this;
}

std::string JsonObject::str() const {
  // Bytes that are not UTF-8 (a file name in another encoding) become U+FFFD: JSON is UTF-8.
  return m_json->dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace ntk::core
