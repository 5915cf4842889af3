#include "app/sweep_plan.h"

#include "app/cli_args.h"
#include "core/io/text_formats.h"

#include <charconv>
#include <cmath>

namespace ntk::app {
namespace {

double number(const std::string& text, const std::string& axis) {
  double v = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (err != std::errc() || end != text.data() + text.size())
    throw UsageError("--vary " + axis + ": '" + text + "' is not a number");
  return v;
}

std::string value_text(double v, core::ParamType type) {
  return type == core::ParamType::integer ? std::to_string(std::llround(v)) : core::format_number(v);
}

}  // namespace

SweepAxis parse_axis(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw UsageError("--vary takes KEY=a..b:log, KEY=a..b, KEY=a..b:N or KEY=v1,v2,... (got '" +
                     text + "')");
  SweepAxis axis{text.substr(0, eq), {}};
  const core::ParamSpec* spec = nullptr;
  try {
    spec = &core::parameter_spec(axis.key);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--vary: ") + e.what());
  }
  const std::string values = text.substr(eq + 1);
  const bool numeric = spec->type == core::ParamType::integer || spec->type == core::ParamType::real;
  const auto dots = values.find("..");
  if (numeric && dots != std::string::npos) {
    const auto colon = values.find(':', dots);
    const double lo = number(values.substr(0, dots), axis.key);
    const double hi = number(values.substr(dots + 2, colon == std::string::npos ? colon : colon - dots - 2), axis.key);
    const std::string step = colon == std::string::npos ? "" : values.substr(colon + 1);
    if (hi < lo) throw UsageError("--vary " + axis.key + ": the range must go up (" + values + ")");
    if (step == "log") {
      if (lo <= 0) throw UsageError("--vary " + axis.key + ": a :log range must start above 0");
      for (double v = lo; v <= hi * (1 + 1e-12); v *= 2) axis.values.push_back(value_text(v, spec->type));
    } else if (step.empty()) {
      if (spec->type != core::ParamType::integer)
        throw UsageError("--vary " + axis.key + ": give the number of points, e.g. " + axis.key + "=" + values + ":8");
      if (hi - lo > 1e6) throw UsageError("--vary " + axis.key + ": more than a million points");
      for (double v = lo; v <= hi; v += 1) axis.values.push_back(value_text(v, spec->type));
    } else {
      const double n = number(step, axis.key);
      if (n < 2 || n > 1e6 || n != std::floor(n))
        throw UsageError("--vary " + axis.key + ": the point count after ':' must be an integer from 2 to 1000000, or 'log'");
      for (int i = 0; i < int(n); ++i) {
        const std::string v = value_text(lo + (hi - lo) * i / (n - 1), spec->type);
        if (axis.values.empty() || axis.values.back() != v) axis.values.push_back(v);
      }
    }
  } else {
    std::size_t start = 0;
    while (start <= values.size()) {
      const auto comma = values.find(',', start);
      axis.values.push_back(values.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  core::Parameters probe = core::default_parameters();
  for (const std::string& v : axis.values) {
    try {
      spec->set(probe, v);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--vary: ") + e.what());
    }
  }
  return axis;
}

std::vector<SweepPoint> expand(const core::Parameters& base, const std::vector<SweepAxis>& axes) {
  long long total = 1;
  for (const SweepAxis& a : axes) {
    total *= static_cast<long long>(a.values.size());
    if (total > 10'000'000) throw UsageError("the sweep has more than 10 million points");
  }
  std::vector<SweepPoint> points;
  points.reserve(std::size_t(total));
  for (long long i = 0; i < total; ++i) {
    SweepPoint p{i, base};
    long long rest = i;
    for (auto a = axes.rbegin(); a != axes.rend(); ++a) {  // the last axis varies fastest
      const auto n = static_cast<long long>(a->values.size());
      core::parameter_spec(a->key).set(p.params, a->values[std::size_t(rest % n)]);
      rest /= n;
    }
    try {
      core::validate(p.params);
    } catch (const std::invalid_argument& e) {
      throw UsageError("sweep point " + std::to_string(i) + ": " + e.what());
    }
    points.push_back(std::move(p));
  }
  return points;
}

std::pair<long long, long long> parse_shard(const std::string& text) {
  long long k = 0, n = 0;
  const auto slash = text.find('/');
  const auto parse = [](std::string_view s, long long& v) {
    const auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), v);
    return err == std::errc() && end == s.data() + s.size();
  };
  if (slash == std::string::npos || !parse(std::string_view(text).substr(0, slash), k) ||
      !parse(std::string_view(text).substr(slash + 1), n) || n < 1 || k < 1 || k > n)
    throw UsageError("--shard takes K/N with 1 <= K <= N, e.g. 3/8 (got '" + text + "')");
  return {k, n};
}

}  // namespace ntk::app
