// libFuzzer: the session file loader. Every input is refused with a message, or gives valid
// parameters and view that survive a save and a reload unchanged.

#include "tests/fuzz/fuzz_util.h"
#include "ui/session/session_file.h"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const QByteArray json(reinterpret_cast<const char*>(data), qsizetype(size));
  QString error;
  const std::optional<ntk::ui::Session> session = ntk::ui::sessionFromJson(json, "fuzz", &error);
  if (!session) {
    ntk::fuzz::require(!error.isEmpty(), "a refusal says why");
    return 0;
  }
  try {
    ntk::core::validate(session->params);
  } catch (const std::invalid_argument&) {
    ntk::fuzz::require(false, "a loaded session is valid");
  }
  QString again_error;
  const std::optional<ntk::ui::Session> again =
      ntk::ui::sessionFromJson(ntk::ui::sessionToJson(*session), "fuzz", &again_error);
  ntk::fuzz::require(again.has_value(), "a saved session loads");
  for (const auto table : {ntk::core::parameter_specs(), ntk::core::ntk_parameter_specs()})
    for (const ntk::core::ParamSpec& s : table)
      ntk::fuzz::require(s.get(again->params) == s.get(session->params), "a reload keeps every parameter");
  ntk::fuzz::require(again->view == session->view, "a reload keeps the view");
  return 0;
}
