#pragma once
// Values other than the default that a parameter spec accepts, for the tests that walk the
// parameter table through each face (core, command line, sessions, the window).

#include "core/io/text_formats.h"
#include "core/params/parameters.h"

#include <cmath>
#include <string>
#include <vector>

namespace ntk::test {

/// Both ends of the range and a value inside it, every choice, both flags; minus the default.
inline std::vector<std::string> other_values(const core::ParamSpec& s, const core::Parameters& defaults) {
  std::vector<std::string> values;
  switch (s.type) {
    case core::ParamType::integer:
      for (const double v : {s.min, s.max, std::floor((s.min + s.max) / 3)})
        values.push_back(std::to_string(static_cast<long long>(v)));
      break;
    case core::ParamType::real:
      for (const double v : {s.min, s.max, (s.min + s.max) / 3}) values.push_back(core::format_number(v));
      break;
    case core::ParamType::choice:
      for (const std::string_view c : s.choices) values.emplace_back(c);
      break;
    case core::ParamType::flag:
      values = {"true", "false"};
      break;
  }
  std::erase(values, s.get(defaults));
  return values;
}

}  // namespace ntk::test
