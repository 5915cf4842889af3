#include "core/params/parameters.h"

#include "core/io/text_formats.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace ntk::core {
namespace {

[[noreturn]] void bad_value(const ParamSpec& s, std::string_view text) {
  throw std::invalid_argument("--" + std::string(s.key) + " must be " + range_text(s) + " (got '" + std::string(text) +
                              "')");
}

template <typename E>
E choice_value(std::string_view text, std::initializer_list<std::pair<std::string_view, E>> map) {
  for (const auto& [name, value] : map)
    if (name == text) return value;
  return map.begin()->second;  // unreachable: set() checked the text against the choices
}

using Getter = std::string (*)(const Parameters&);
using Setter = void (*)(Parameters&, double, std::string_view);

bool generated_only(const Parameters&, InputSource source) { return source == InputSource::generated; }
bool drawn_favor(const Parameters& p, InputSource) {
  return p.feature.kind == FeatureKind::favor && p.feature.omega.size() == 0;
}
bool generated_or_drawn(const Parameters& p, InputSource source) {
  return generated_only(p, source) || drawn_favor(p, source);
}
bool taylor_only(const Parameters& p, InputSource) { return p.feature.kind == FeatureKind::taylor; }

ParamSpec integer_spec(std::string_view key, std::string_view label, double lo, double hi, std::string_view help,
                       Getter get, Setter set) {
  return {key, label, ParamType::integer, lo, hi, {}, help, get, set};
}

// `spec`, applying only where `applies` says.
ParamSpec applying(ParamSpec spec, bool (*applies)(const Parameters&, InputSource)) {
  spec.applies = applies;
  return spec;
}

std::vector<ParamSpec> make_specs() {
  using P = Parameters;
  std::vector<ParamSpec> s;
  auto integer = [&](std::string_view key, std::string_view label, double lo, double hi, std::string_view help,
                     Getter get, Setter set, bool (*applies)(const P&, InputSource) = nullptr) {
    s.push_back(applying(integer_spec(key, label, lo, hi, help, get, set), applies));
  };
  s.push_back(applying(
      {"mode",
       "Workload",
       ParamType::choice,
       0,
       0,
       {"direct", "projection"},
       "direct: draw Q, K, V, K_P, V_P; projection: draw X, P and W_Q, W_K, W_V "
       "(entries N(0, 1/d)) and project",
       [](const P& p) -> std::string { return p.workload.mode == WorkloadMode::direct ? "direct" : "projection"; },
       [](P& p, double, std::string_view t) {
         p.workload.mode = choice_value<WorkloadMode>(
             t, {{"direct", WorkloadMode::direct}, {"projection", WorkloadMode::projection}});
       }},
      generated_only));
  integer(
      "L", "Input length L", 1, 16384, "input tokens (rows of K and V, and of Q unless --queries says fewer)",
      [](const P& p) { return std::to_string(p.workload.L); },
      [](P& p, double v, std::string_view) { p.workload.L = Eigen::Index(v); });
  integer(
      "d", "Head dimension d", 1, 512, "width of every query, key and value",
      [](const P& p) { return std::to_string(p.workload.d); },
      [](P& p, double v, std::string_view) { p.workload.d = Eigen::Index(v); });
  integer(
      "m", "Prefix length m", 0, 17179869184.0, "prefix tokens; 0 gives plain attention over the input",
      [](const P& p) { return std::to_string(p.workload.m); },
      [](P& p, double v, std::string_view) { p.workload.m = Eigen::Index(v); });
  integer(
      "queries", "Queries n", 0, 16384,
      "queries of the last n input tokens (1: decoding one token over the prefix and the input); 0: one per "
      "input token, n = L",
      [](const P& p) { return std::to_string(p.workload.queries); },
      [](P& p, double v, std::string_view) { p.workload.queries = Eigen::Index(v); });
  s.back().minimum_means = "all (n = L)";
  integer(
      "dv", "Value width d_v", 0, 512, "width of every value (and of the outputs); 0: d_v = d",
      [](const P& p) { return std::to_string(p.workload.dv); },
      [](P& p, double v, std::string_view) { p.workload.dv = Eigen::Index(v); });
  s.back().minimum_means = "d_v = d";
  s.push_back(applying({"scale",
                        "Entry scale B",
                        ParamType::real,
                        1e-6,
                        100,
                        {},
                        "standard deviation (gaussian) or bound B of Uniform[-B, B]; the theory needs "
                        "B = o(sqrt(log m))",
                        [](const P& p) { return format_number(p.workload.scale); },
                        [](P& p, double v, std::string_view) { p.workload.scale = v; }},
                       generated_only));
  s.push_back(applying(
      {"dist",
       "Distribution",
       ParamType::choice,
       0,
       0,
       {"gaussian", "uniform"},
       "law of the entries",
       [](const P& p) -> std::string { return p.workload.dist == Distribution::gaussian ? "gaussian" : "uniform"; },
       [](P& p, double, std::string_view t) {
         p.workload.dist =
             choice_value<Distribution>(t, {{"gaussian", Distribution::gaussian}, {"uniform", Distribution::uniform}});
       }},
      generated_only));
  s.push_back(
      applying({"match",
                "Planted match s",
                ParamType::real,
                0,
                100,
                {},
                "retrieval-style structure (direct mode): each of the first min(n, m) queries gets one "
                "prefix key along it, spread evenly over the prefix, scoring s on average (s |q_i| / mean |q|); "
                "0: every entry random",
                [](const P& p) { return format_number(p.workload.match); },
                [](P& p, double v, std::string_view) { p.workload.match = v; }},
               generated_only));
  integer(
      "seed", "Seed", 0, 9007199254740992.0, "seed of every random draw",
      [](const P& p) { return std::to_string(p.workload.seed); },
      [](P& p, double v, std::string_view) {
        p.workload.seed = std::uint64_t(v);
        p.feature.seed = std::uint64_t(v);
      },
      generated_or_drawn);
  s.push_back({"feature",
               "Feature map",
               ParamType::choice,
               0,
               0,
               {"taylor", "elu", "favor"},
               "taylor: degree-g polynomial of exp; elu: elu(x)+1 (authors' code, no guarantee); "
               "favor: positive random features",
               [](const P& p) -> std::string { return to_string(p.feature.kind); },
               [](P& p, double, std::string_view t) {
                 p.feature.kind = choice_value<FeatureKind>(
                     t, {{"taylor", FeatureKind::taylor}, {"elu", FeatureKind::elu}, {"favor", FeatureKind::favor}});
               }});
  integer(
      "degree", "Taylor degree g", 0, 12, "degree of the Taylor map; r = binom(d + g, g)",
      [](const P& p) { return std::to_string(p.feature.degree); },
      [](P& p, double v, std::string_view) { p.feature.degree = int(v); }, taylor_only);
  integer(
      "features", "FAVOR+ features r", 1, 1048576, "number of random features of FAVOR+",
      [](const P& p) { return std::to_string(p.feature.features); },
      [](P& p, double v, std::string_view) { p.feature.features = Eigen::Index(v); }, drawn_favor);
  s.push_back(applying({"orthogonal",
                        "Orthogonal features",
                        ParamType::flag,
                        0,
                        1,
                        {},
                        "FAVOR+: orthogonalise the random directions in blocks of d",
                        [](const P& p) -> std::string { return p.feature.orthogonal ? "true" : "false"; },
                        [](P& p, double v, std::string_view) { p.feature.orthogonal = v != 0; }},
                       drawn_favor));
  integer(
      "rank", "Rank s of Z", 0, 1048576, "truncate Z to rank s by SVD; 0 keeps full rank",
      [](const P& p) { return std::to_string(p.rank); },
      [](P& p, double v, std::string_view) { p.rank = Eigen::Index(v); });
  s.back().minimum_means = "full rank";
  s.push_back({"causal",
               "Causal mask",
               ParamType::flag,
               0,
               1,
               {},
               "mask keys after the query in the input part (never the prefix)",
               [](const P& p) -> std::string { return p.causal ? "true" : "false"; },
               [](P& p, double v, std::string_view) { p.causal = v != 0; }});
  s.push_back(
      {"precision",
       "Precision",
       ParamType::choice,
       0,
       0,
       {"float64", "float32"},
       "float32: the prefix work (scores, exponentials, weighted sums, the compression, "
       "phi(Q) Z) in float32, summed across chunks in float64; exact attention about twice as fast",
       [](const P& p) -> std::string { return std::string(to_string(p.precision)); },
       [](P& p, double, std::string_view t) {
         p.precision = choice_value<Precision>(t, {{"float64", Precision::float64}, {"float32", Precision::float32}});
       }});
  return s;
}

std::vector<ParamSpec> make_ntk_specs() {
  using P = Parameters;
  return {
      integer_spec(
          "n", "Data points n", 2, 2000, "data points x_i on the unit sphere",
          [](const P& p) { return std::to_string(p.ntk.model.n); },
          [](P& p, double v, std::string_view) { p.ntk.model.n = Eigen::Index(v); }),
      integer_spec(
          "d", "Dimension d", 1, 64, "dimension of the data and of the outputs",
          [](const P& p) { return std::to_string(p.ntk.model.d); },
          [](P& p, double v, std::string_view) { p.ntk.model.d = Eigen::Index(v); }),
      integer_spec(
          "m", "Width m (prefix length)", 1, 1048576, "prefix slots: the network's width",
          [](const P& p) { return std::to_string(p.ntk.model.m); },
          [](P& p, double v, std::string_view) { p.ntk.model.m = Eigen::Index(v); }),
      {"sigma",
       "Initial scale sigma",
       ParamType::real,
       0,
       4,
       {},
       "standard deviation of the initial prefix keys w_r",
       [](const P& p) { return format_number(p.ntk.model.sigma); },
       [](P& p, double v, std::string_view) { p.ntk.model.sigma = v; }},
      integer_spec(
          "seed", "Seed", 0, 9007199254740992.0, "seed of the data, targets and initial keys",
          [](const P& p) { return std::to_string(p.ntk.model.seed); },
          [](P& p, double v, std::string_view) { p.ntk.model.seed = std::uint64_t(v); }),
      {"eta",
       "Step eta",
       ParamType::real,
       0,
       1e6,
       {},
       "gradient-descent step; 0 picks 1 / (m lambda_max(H*))",
       [](const P& p) { return format_number(p.ntk.eta); },
       [](P& p, double v, std::string_view) { p.ntk.eta = v; }},
      integer_spec(
          "steps", "Steps", 0, 1000000, "gradient-descent steps",
          [](const P& p) { return std::to_string(p.ntk.steps); },
          [](P& p, double v, std::string_view) { p.ntk.steps = int(v); }),
  };
}

}  // namespace

std::string range_text(const ParamSpec& s) {
  if (s.type == ParamType::choice) {
    std::string all;
    for (auto c : s.choices) all += (all.empty() ? "" : ", ") + std::string(c);
    return "one of " + all;
  }
  if (s.type == ParamType::flag) return "true or false";
  const auto number = [&](double v) {
    return s.type == ParamType::integer ? std::to_string(static_cast<long long>(v)) : format_number(v);
  };
  const std::string lo = number(s.min), hi = number(s.max);
  return (s.type == ParamType::integer ? "an integer from " : "a number from ") + lo + " to " + hi;
}

std::string ParamSpec::get(const Parameters& p) const { return getter(p); }

void ParamSpec::set(Parameters& p, std::string_view text) const {
  switch (type) {
    case ParamType::choice:
      for (auto c : choices)
        if (c == text) return setter(p, 0, text);
      bad_value(*this, text);
    case ParamType::flag:
      if (text == "true" || text == "1" || text == "on") return setter(p, 1, text);
      if (text == "false" || text == "0" || text == "off") return setter(p, 0, text);
      bad_value(*this, text);
    case ParamType::integer:
    case ParamType::real: {
      // Integers written out are compared exactly: as a double, 2^53 + 1 would round to 2^53.
      long long whole = 0;
      if (const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), whole);
          type == ParamType::integer && err == std::errc() && end == text.data() + text.size() &&
          (whole < static_cast<long long>(min) || whole > static_cast<long long>(max)))
        bad_value(*this, text);
      double v = 0;
      const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (err != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < min || v > max ||
          (type == ParamType::integer && v != std::floor(v)))
        bad_value(*this, text);
      return setter(p, v, text);
    }
  }
}

std::span<const ParamSpec> parameter_specs() {
  static const std::vector<ParamSpec> specs = make_specs();
  return specs;
}

std::span<const ParamSpec> ntk_parameter_specs() {
  static const std::vector<ParamSpec> specs = make_ntk_specs();
  return specs;
}

const ParamSpec& parameter_spec(std::string_view key, std::span<const ParamSpec> table) {
  std::string known;
  for (const ParamSpec& s : table) {
    if (s.key == key) return s;
    known += (known.empty() ? "" : ", ") + std::string(s.key);
  }
  throw std::invalid_argument("unknown parameter '" + std::string(key) + "'; known: " + known);
}

bool same_values(std::span<const ParamSpec> table, const Parameters& a, const Parameters& b) {
  return std::all_of(table.begin(), table.end(), [&](const ParamSpec& s) { return s.get(a) == s.get(b); });
}

Parameters default_parameters() { return Parameters{}; }

std::string command_line(const Parameters& p) {
  const Parameters defaults = default_parameters();
  std::string out = "ntk-explorer compare";
  for (const ParamSpec& s : parameter_specs()) {
    const std::string value = s.get(p);
    if (value == s.get(defaults)) continue;
    out += " --" + std::string(s.key) + (s.type == ParamType::flag ? "=" : " ") + value;
  }
  return out;
}

std::string ntk_command_line(const Parameters& p, bool training) {
  std::string out = training ? "ntk-explorer train --target prefix" : "ntk-explorer ntk";
  for (const ParamSpec& s : ntk_parameter_specs())
    if (training || (s.key != "eta" && s.key != "steps")) out += " --" + std::string(s.key) + " " + s.get(p);
  return out + " --out DIR";
}

Eigen::Index feature_dimension(const Parameters& p) { return feature_dimension(p.feature, p.workload.d); }

bool parameter_applies(std::string_view key, const Parameters& p, InputSource source) {
  const ParamSpec& s = parameter_spec(key);
  return !s.applies || s.applies(p, source);
}

bool set_by_inputs(std::string_view key) {
  for (const std::string_view shape : {"L", "d", "m", "queries", "dv"})
    if (key == shape) return true;
  return parameter_spec(key).applies == generated_only;
}

void describe_inputs(Parameters& p, Eigen::Index n, Eigen::Index L, Eigen::Index d, Eigen::Index dv, Eigen::Index m) {
  p.workload.L = L;
  p.workload.d = d;
  p.workload.m = m;
  p.workload.queries = n == L ? 0 : n;
  p.workload.dv = dv == d ? 0 : dv;
}

void validate(const Parameters& p) {
  validate(p.workload);
  const Eigen::Index r = feature_dimension(p);
  const Eigen::Index full = std::min(r, value_width(p.workload));
  if (p.rank < 0 || p.rank > full)
    throw std::invalid_argument("--rank must be 0 (full rank) or between 1 and min(r, d_v) = " + std::to_string(full) +
                                " (got " + std::to_string(p.rank) + ")");
}

}  // namespace ntk::core
