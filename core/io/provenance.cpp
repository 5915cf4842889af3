#include "core/io/provenance.h"

#include "core/io/sha256.h"
#include "core/io/text_formats.h"

#include <ctime>

namespace ntk::core {

extern const char* const build_commit;  // generated at build time (cmake/build_info.cmake)

std::string program_version() { return NTK_VERSION; }
std::string program_commit() { return build_commit; }

std::string provenance_json(const Provenance& p) {
  std::vector<JsonObject> inputs;
  for (const std::filesystem::path& input : p.inputs) {
    inputs.emplace_back();
    inputs.back().add("path", std::filesystem::absolute(input).string()).add("sha256", sha256_file(input));
  }
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return JsonObject()
      .add("program", "ntk-explorer")
      .add("version", program_version())
      .add("commit", program_commit())
      .add("command_line", p.command_line)
      .add("inputs", inputs)
      .add("threads", static_cast<long long>(p.threads))
      .add("precision", p.precision)
      .add("date", date)
      .str();
}

}  // namespace ntk::core
