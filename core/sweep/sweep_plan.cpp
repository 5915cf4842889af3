#include "core/sweep/sweep_plan.h"

#include "core/io/provenance.h"
#include "core/io/sha256.h"
#include "core/io/text_formats.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ntk::core {
namespace {

double number(const std::string& text, const std::string& axis) {
  double v = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (err != std::errc() || end != text.data() + text.size())
    throw std::invalid_argument("--vary " + axis + ": '" + text + "' is not a number");
  return v;
}

constexpr double max_axis_points = 1e6;
const std::string grid_forms =
    "KEY=a..b (integers, step 1), KEY=a..b:N (N evenly spaced points), KEY=a..b:log2 (doubling), "
    "KEY=a..b:log:N (N log-spaced points) or KEY=v1,v2,...; ranges include both ends";

std::string value_text(double v, ParamType type) {
  return type == ParamType::integer ? std::to_string(std::llround(v)) : format_number(v);
}

}  // namespace

SweepAxis parse_axis(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw std::invalid_argument("--vary takes " + grid_forms + " (got '" + text + "')");
  SweepAxis axis{text.substr(0, eq), {}};
  const ParamSpec* spec = nullptr;
  try {
    spec = &parameter_spec(axis.key);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("--vary: ") + e.what());
  }
  const std::string values = text.substr(eq + 1);
  const bool numeric = spec->type == ParamType::integer || spec->type == ParamType::real;
  const auto dots = values.find("..");
  if (numeric && dots != std::string::npos) {
    const auto colon = values.find(':', dots);
    const double lo = number(values.substr(0, dots), axis.key);
    const double hi = number(values.substr(dots + 2, colon == std::string::npos ? colon : colon - dots - 2), axis.key);
    const std::string step = colon == std::string::npos ? "" : values.substr(colon + 1);
    const std::string where = "--vary " + axis.key + "=" + values + ": ";
    if (!std::isfinite(lo) || !std::isfinite(hi))
      throw std::invalid_argument(where + "the ends must be finite numbers");
    if (hi < lo) throw std::invalid_argument(where + "the range must go up");
    const auto add = [&](double v) {  // integer keys round; a point that rounds onto the last is dropped
      const std::string t = value_text(v, spec->type);
      if (axis.values.empty() || axis.values.back() != t) axis.values.push_back(t);
    };
    if (step == "log2") {
      if (lo <= 0) throw std::invalid_argument(where + "a :log2 range must start above 0");
      const double doublings = std::log2(hi / lo);
      if (std::abs(doublings - std::round(doublings)) > 1e-9 || doublings > 64)
        throw std::invalid_argument(
            where + "doubling from " + format_number(lo) + " never lands on " + format_number(hi) +
            "; end on a power-of-two multiple of the start, or give the number of points with :log:N");
      for (int i = 0; i <= int(std::round(doublings)); ++i) add(std::ldexp(lo, i));
    } else if (step.rfind("log:", 0) == 0 || step == "log") {
      const double n = step == "log" ? 0 : number(step.substr(4), axis.key);
      if (n < 2 || n > max_axis_points || n != std::floor(n))
        throw std::invalid_argument(
            where + "give the number of log-spaced points, :log:N with N from 2 to 1000000 (or :log2 to double)");
      if (lo <= 0) throw std::invalid_argument(where + "a log-spaced range must start above 0");
      for (int i = 0; i < int(n); ++i) add(i + 1 == int(n) ? hi : lo * std::pow(hi / lo, i / (n - 1)));
    } else if (step.empty()) {
      if (spec->type != ParamType::integer)
        throw std::invalid_argument(where + "give the number of points, e.g. " + axis.key + "=" + values + ":8");
      if (hi - lo >= max_axis_points) throw std::invalid_argument(where + "more than a million points");
      for (double v = lo; v <= hi; v += 1) add(v);
    } else {
      const double n = number(step, axis.key);
      if (n < 2 || n > max_axis_points || n != std::floor(n))
        throw std::invalid_argument(
            where + "the point count after ':' must be an integer from 2 to 1000000, or log2, or log:N");
      for (int i = 0; i < int(n); ++i) add(i + 1 == int(n) ? hi : lo + (hi - lo) * i / (n - 1));
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
  Parameters probe = default_parameters();
  for (const std::string& v : axis.values) {
    try {
      spec->set(probe, v);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("--vary: ") + e.what());
    }
  }
  return axis;
}

std::vector<SweepPoint> expand(const Parameters& base, const std::vector<SweepAxis>& axes) {
  for (std::size_t a = 0; a < axes.size(); ++a)
    for (std::size_t b = 0; b < a; ++b)
      if (axes[a].key == axes[b].key)
        throw std::invalid_argument("--vary " + axes[a].key + " is given twice; give all its values in one --vary");
  long long total = 1;
  for (const SweepAxis& a : axes) {
    total *= static_cast<long long>(a.values.size());
    if (total > 10'000'000) throw std::invalid_argument("the sweep has more than 10 million points");
  }
  std::vector<SweepPoint> points;
  points.reserve(std::size_t(total));
  for (long long i = 0; i < total; ++i) {
    SweepPoint p{i, base};
    long long rest = i;
    for (auto a = axes.rbegin(); a != axes.rend(); ++a) {  // the last axis varies fastest
      const auto n = static_cast<long long>(a->values.size());
      parameter_spec(a->key).set(p.params, a->values[std::size_t(rest % n)]);
      rest /= n;
    }
    try {
      validate(p.params);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("sweep point " + std::to_string(i) + ": " + e.what());
    }
    points.push_back(std::move(p));
  }
  for (const SweepAxis& a : axes) {
    bool used = false;
    for (const SweepPoint& p : points) used = used || parameter_applies(a.key, p.params, InputSource::generated);
    if (!used)
      throw std::invalid_argument("--vary " + a.key + ": no point of this sweep uses " + a.key + " (with --feature " +
                                  to_string(base.feature.kind) + " it changes nothing); drop it or vary --feature too");
  }
  return points;
}

std::string sweep_fingerprint(const Parameters& base, const std::vector<SweepAxis>& axes) {
  std::string text = "ntk-explorer " + program_version() + "\n";
  for (const ParamSpec& s : parameter_specs()) {
    bool varied = false;
    for (const SweepAxis& a : axes) varied = varied || a.key == s.key;
    if (!varied) text += std::string(s.key) + "=" + s.get(base) + "\n";
  }
  for (const SweepAxis& a : axes) {
    text += "vary " + a.key + "=";
    for (std::size_t i = 0; i < a.values.size(); ++i) text += (i ? "," : "") + a.values[i];
    text += "\n";
  }
  return sha256_hex(text).substr(0, 16);
}

std::string describe_grid(const std::vector<SweepAxis>& axes) {
  std::string out;
  for (const SweepAxis& a : axes) {
    out += a.key + ":";
    for (const std::string& v : a.values) out += " " + v;
    out += " (" + std::to_string(a.values.size()) + (a.values.size() == 1 ? " point)\n" : " points)\n");
  }
  return out;
}

SweepCsv read_sweep_csv(const std::filesystem::path& path) {
  check_input_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path.string() + ": cannot open the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  SweepCsv out;
  if (const auto end = text.rfind('\n'); end + 1 != text.size()) {
    out.dropped_cut_row = end != std::string::npos;
    text.resize(end == std::string::npos ? 0 : end + 1);
  }
  CsvTable t = parse_csv(text, path.string());
  if (t.header.size() < 3 || t.header[0] != "point" || t.header[1] != "points" || t.header[2] != "sweep")
    throw std::invalid_argument(path.string() +
                                " is not a sweep CSV of this version (its first columns must be point,points,sweep)");
  out.header = t.header;
  const auto integer = [&](const std::string& field, long long lo, long long hi, const char* what) {
    long long v = 0;
    const auto [end, err] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (err != std::errc() || end != field.data() + field.size() || v < lo || v > hi)
      throw std::invalid_argument(path.string() + ": '" + field + "' is not a valid " + what);
    return v;
  };
  for (auto& r : t.rows) {
    const long long points = integer(r[1], 1, 10'000'000, "number of points");
    if (out.points >= 0 && points != out.points)
      throw std::invalid_argument(path.string() + " mixes sweeps of " + std::to_string(out.points) + " and " +
                                  std::to_string(points) + " points");
    if (!out.fingerprint.empty() && r[2] != out.fingerprint)
      throw std::invalid_argument(path.string() + " mixes the sweeps " + out.fingerprint + " and " + r[2]);
    out.points = points;
    out.fingerprint = r[2];
    const long long index = integer(r[0], 0, points - 1, "point index");
    if (!out.rows.emplace(index, std::move(r)).second)
      throw std::invalid_argument(path.string() + ": point " + std::to_string(index) + " appears twice");
  }
  return out;
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
    throw std::invalid_argument("--shard takes K/N with 1 <= K <= N, e.g. 3/8 (got '" + text + "')");
  return {k, n};
}

}  // namespace ntk::core
