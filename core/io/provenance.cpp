#include "core/io/provenance.h"

#include "core/io/sha256.h"
#include "core/io/text_formats.h"

#include <ctime>

namespace ntk::core {

extern const char* const build_commit;  // generated at build time (cmake/build_info.cmake)

std::string program_version() { return NTK_VERSION; }
std::string program_commit() { return build_commit; }

std::string provenance_json(const Provenance& p) {
  std::string command = "[";
  for (std::size_t i = 0; i < p.command_line.size(); ++i) command += (i ? ", " : "") + json_quote(p.command_line[i]);
  std::string inputs = "[";
  for (std::size_t i = 0; i < p.inputs.size(); ++i)
    inputs += std::string(i ? ", " : "") + "{\"path\": " + json_quote(std::filesystem::absolute(p.inputs[i]).string()) +
              ", \"sha256\": " + json_quote(sha256_file(p.inputs[i])) + "}";
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return JsonObject()
      .add("program", "ntk-explorer")
      .add("version", program_version())
      .add("commit", program_commit())
      .add_raw("command_line", command + "]")
      .add_raw("inputs", inputs + "]")
      .add("threads", static_cast<long long>(p.threads))
      .add("precision", p.precision)
      .add("date", date)
      .str();
}

}  // namespace ntk::core
