// The Python module ntk_explorer: the same core as the program and the window, on NumPy arrays.
// No computation here: arguments are checked and converted, the GIL is released around the
// core's call, and Ctrl-C reaches the core through its Progress callable.

#include "core/io/provenance.h"
#include "core/io/result_files.h"
#include "core/kernels/feature_map.h"
#include "core/kernels/infinite_limit.h"
#include "core/kernels/ntk_attention.h"
#include "core/kernels/prefix_attention.h"
#include "core/ntk/gradient_descent.h"
#include "core/ntk/ntk_view.h"
#include "core/ntk/train_attention.h"
#include "core/params/parameters.h"
#include "core/pipeline/budget.h"
#include "core/pipeline/comparison.h"
#include "core/pipeline/heads.h"
#include "core/pipeline/scaling.h"
#include "core/sweep/sweep_run.h"
#include "core/util/parallel.h"
#include "core/workload/workload.h"

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace py = pybind11;
using namespace pybind11::literals;

namespace ntk::python {
namespace {

using Matrix = Eigen::Map<const Eigen::MatrixXd>;
using FortranArray = py::array_t<double, py::array::f_style | py::array::forcecast>;

// ---- arguments ----------------------------------------------------------------------------

// Another library's array that offers DLPack (and maybe no __array__) as a NumPy array over the
// same memory; anything else as it is.
py::object through_dlpack(const py::handle& value) {
  if (!py::isinstance<py::array>(value) && py::hasattr(value, "__dlpack__")) {
    try {
      return py::module_::import("numpy").attr("from_dlpack")(value);
    } catch (const py::error_already_set&) {  // a device or dtype NumPy cannot view: try __array__ next
    }
  }
  return py::reinterpret_borrow<py::object>(value);
}

// A 2-D array as float64 in Fortran order: the caller's own memory when it already is (a NumPy
// array, anything with __array__, a DLPack tensor), else one converted copy (kept alive by the
// returned array).
FortranArray as_matrix(const py::handle& value, const char* name, const char* shape) {
  FortranArray a = FortranArray::ensure(through_dlpack(value));
  if (!a) throw py::type_error(std::string(name) + " must be an array of numbers (" + shape + ")");
  if (a.ndim() != 2)
    throw py::value_error(std::string(name) + " must be a 2-D array (" + shape + "), not " + std::to_string(a.ndim()) +
                          "-D");
  return a;
}

Matrix view(const FortranArray& a) { return Matrix(a.data(), a.shape(0), a.shape(1)); }

void require(bool ok, const std::string& message) {
  if (!ok) throw py::value_error(message);
}

std::string shape_text(const FortranArray& a) {
  return "(" + std::to_string(a.shape(0)) + ", " + std::to_string(a.shape(1)) + ")";
}

// The parameters' text form: what the command line and session files give the shared table.
std::string parameter_text(const py::handle& value) {
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::str>(value)) return py::str(value);
  if (PyIndex_Check(value.ptr()))
    return py::str(py::int_(py::reinterpret_borrow<py::object>(value)));  // NumPy integers too
  if (py::isinstance<py::float_>(value))  // NumPy float64 too; repr is the shortest text that round-trips
    return py::repr(py::float_(py::reinterpret_borrow<py::object>(value)));
  throw py::type_error("a parameter must be a number, a string or a bool, not " +
                       std::string(py::str(py::type::of(value).attr("__name__"))));
}

// The core's messages name parameters as command-line flags ("--L must be ..."); here they are
// keyword arguments ("L must be ...").
[[noreturn]] void raise_as_keyword(const std::invalid_argument& e) {
  const std::string what = e.what();
  throw py::value_error(what.rfind("--", 0) == 0 ? what.substr(2) : what);
}

// Keyword arguments set through the parameter table `table` (unknown keys raise TypeError
// naming the known ones, bad values ValueError naming the range).
void apply(core::Parameters& p, const py::kwargs& kwargs, std::span<const core::ParamSpec> table) {
  for (const auto& [key, value] : kwargs) {
    const std::string name = py::str(key);
    const core::ParamSpec* spec = nullptr;
    for (const core::ParamSpec& s : table)
      if (s.key == name) spec = &s;
    if (!spec) {
      std::string known;
      for (const core::ParamSpec& s : table) known += (known.empty() ? "" : ", ") + std::string(s.key);
      throw py::type_error("unexpected keyword argument '" + name + "'; the parameters here are " + known);
    }
    try {
      spec->set(p, parameter_text(value));
    } catch (const std::invalid_argument& e) {
      raise_as_keyword(e);
    }
  }
}

core::Parameters comparison_parameters(const py::kwargs& kwargs) {
  core::Parameters p = core::default_parameters();
  apply(p, kwargs, core::parameter_specs());
  try {
    core::validate(p);
  } catch (const std::invalid_argument& e) {
    raise_as_keyword(e);
  }
  return p;
}

// The NTK view's settings (n, d, m, sigma, seed, eta, steps).
core::NtkSettings ntk_settings(const py::kwargs& kwargs) {
  core::Parameters p = core::default_parameters();
  apply(p, kwargs, core::ntk_parameter_specs());
  return p.ntk;
}

// The feature map's keywords: feature, degree, features, orthogonal, seed, and omega (given
// FAVOR+ directions, r x d).
core::FeatureMapSpec feature_spec(const std::string& feature, int degree, Eigen::Index features, bool orthogonal,
                                  std::uint64_t seed, const py::object& omega) {
  core::Parameters p = core::default_parameters();
  const std::pair<const char*, std::string> given[] = {{"feature", feature},
                                                       {"degree", std::to_string(degree)},
                                                       {"features", std::to_string(features)},
                                                       {"orthogonal", orthogonal ? "true" : "false"},
                                                       {"seed", std::to_string(seed)}};
  try {
    for (const auto& [key, text] : given) core::parameter_spec(key).set(p, text);
  } catch (const std::invalid_argument& e) {
    raise_as_keyword(e);
  }
  if (!omega.is_none()) {
    require(p.feature.kind == core::FeatureKind::favor, "omega gives FAVOR+ directions; use it with feature='favor'");
    core::set_given_omega(p.feature, view(as_matrix(omega, "omega", "r x d")), "omega");
  }
  return p.feature;
}

// ---- interruption ------------------------------------------------------------------------

// A Progress for the core that, from the calling thread and at most every 50 ms, takes the GIL
// and runs Python's signal handlers: Ctrl-C then cancels the computation, and the handler's
// KeyboardInterrupt is raised once the core has returned.
class Interruption {
 public:
  core::Progress progress() {
    return [this](std::int64_t, std::int64_t) {
      if (m_stop) return false;
      const auto now = std::chrono::steady_clock::now();
      if (std::this_thread::get_id() != m_caller || now - m_last < std::chrono::milliseconds(50)) return true;
      m_last = now;
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) m_stop = true;
      return !m_stop.load();
    };
  }
  /// With the GIL held, after the computation: raises the handler's exception, if any.
  void raise_if_interrupted() const {
    if (m_stop) throw py::error_already_set();
  }
  /// For loops of computations (sweeps, series): checks between them too.
  bool stopped() const { return m_stop; }

 private:
  std::thread::id m_caller = std::this_thread::get_id();
  std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
  std::atomic<bool> m_stop{false};
};

std::string provenance(const std::string& call) {
  core::Provenance p;
  p.command_line = {"python3", "ntk_explorer." + call};
  p.threads = core::thread_count();
  return core::provenance_json(p);
}

py::dict comparison_dict(const core::Comparison& c, core::InputSource source) {
  py::dict out = py::module_::import("json").attr("loads")(core::metrics_json(c, source, provenance("compare")));
  core::for_each_array(c, [&](const char* name, const Eigen::Ref<const Eigen::MatrixXd>& a, bool one_dimensional) {
    if (one_dimensional)
      out[name] = Eigen::VectorXd(a.col(0));
    else
      out[name] = Eigen::MatrixXd(a);
  });
  return out;
}

// Q n x d, K L x d, V L x d_v against a prefix of widths d and d_v (core::check_shapes), the
// arrays' shapes named as NumPy writes them.
void check_attention_shapes(const FortranArray& q, const FortranArray& k, const FortranArray& v,
                            Eigen::Index prefix_width, Eigen::Index prefix_value_width, bool causal) {
  try {
    core::check_shapes(view(q), view(k), view(v), prefix_width, prefix_value_width, causal);
  } catch (const std::invalid_argument& e) {
    throw py::value_error(std::string(e.what()) + " (Q " + shape_text(q) + ", K " + shape_text(k) + ", V " +
                          shape_text(v) + ")");
  }
}

// ---- the functions -------------------------------------------------------------------------

Eigen::MatrixXd exact_attention(const py::object& Q, const py::object& K, const py::object& V, const py::object& KP,
                                const py::object& VP, bool causal) {
  const FortranArray q = as_matrix(Q, "Q", "n x d"), k = as_matrix(K, "K", "L x d"), v = as_matrix(V, "V", "L x d_v"),
                     kp = as_matrix(KP, "KP", "m x d"), vp = as_matrix(VP, "VP", "m x d_v");
  require(vp.shape(0) == kp.shape(0), "VP " + shape_text(vp) + " must have as many rows as KP " + shape_text(kp));
  check_attention_shapes(q, k, v, kp.shape(1), vp.shape(1), causal);
  Interruption interruption;
  core::ExactResult r;
  {
    py::gil_scoped_release release;
    const core::MatrixPrefix prefix(view(kp), view(vp));
    core::ExactOptions options;
    options.causal = causal;
    options.progress = interruption.progress();
    r = core::prefix_attention(view(q), view(k), view(v), prefix, options);
  }
  interruption.raise_if_interrupted();
  return std::move(r.T);
}

Eigen::MatrixXd feature_map(const py::object& X, const std::string& feature, int degree, Eigen::Index features,
                            bool orthogonal, std::uint64_t seed, const py::object& omega) {
  const FortranArray x = as_matrix(X, "X", "n x d");
  const core::FeatureMap phi(feature_spec(feature, degree, features, orthogonal, seed, omega), x.shape(1));
  py::gil_scoped_release release;
  return phi.apply(view(x));
}

py::tuple compress_prefix(const py::object& KP, const py::object& VP, const std::string& feature, int degree,
                          Eigen::Index features, bool orthogonal, std::uint64_t seed, const py::object& omega) {
  const FortranArray kp = as_matrix(KP, "KP", "m x d"), vp = as_matrix(VP, "VP", "m x d_v");
  require(vp.shape(0) == kp.shape(0), "VP " + shape_text(vp) + " must have as many rows as KP " + shape_text(kp));
  const core::FeatureMap phi(feature_spec(feature, degree, features, orthogonal, seed, omega), kp.shape(1));
  Interruption interruption;
  core::NtkParams z;
  {
    py::gil_scoped_release release;
    z = core::compress_prefix(core::MatrixPrefix(view(kp), view(vp)), phi, interruption.progress());
  }
  interruption.raise_if_interrupted();
  return py::make_tuple(std::move(z.Z), std::move(z.k));
}

Eigen::MatrixXd ntk_attention(const py::object& Q, const py::object& K, const py::object& V, const py::object& Z,
                              const py::object& k, bool causal, const std::string& feature, int degree,
                              Eigen::Index features, bool orthogonal, std::uint64_t seed, const py::object& omega) {
  const FortranArray q = as_matrix(Q, "Q", "n x d"), kk = as_matrix(K, "K", "L x d"), v = as_matrix(V, "V", "L x d_v"),
                     z = as_matrix(Z, "Z", "r x d_v");
  check_attention_shapes(q, kk, v, q.shape(1), v.shape(1), causal);
  const core::FeatureMap phi(feature_spec(feature, degree, features, orthogonal, seed, omega), q.shape(1));
  const auto kv = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(k);
  if (!kv || kv.ndim() != 1) throw py::value_error("k must be a 1-D array of r numbers");
  require(z.shape(0) == phi.dim() && z.shape(1) == v.shape(1) && kv.shape(0) == phi.dim(),
          "Z " + shape_text(z) + " and k (" + std::to_string(kv.shape(0)) + ",) must be r x d_v and (r,) with r = " +
              std::to_string(phi.dim()) + " for this feature map and d_v = " + std::to_string(v.shape(1)));
  core::NtkParams params;
  params.Z = view(z);
  params.k = Eigen::Map<const Eigen::VectorXd>(kv.data(), kv.shape(0));
  core::NtkResult r;
  {
    py::gil_scoped_release release;
    r = core::ntk_attention(view(q), view(kk), view(v), phi, params, causal);
  }
  const std::string warning = "NTK-Attention: " + std::string(core::to_string(r.status)) + " in " +
                              std::to_string(r.bad_rows + r.ill_conditioned_rows) + " rows (non-positive rows are NaN)";
  if (r.status != core::Status::ok && PyErr_WarnEx(PyExc_RuntimeWarning, warning.c_str(), 1) < 0)
    throw py::error_already_set();  // warnings turned into errors
  return std::move(r.T);
}

py::dict compare(const py::object& Q, const py::object& K, const py::object& V, const py::object& KP,
                 const py::object& VP, const py::object& omega, double memory_budget_mb, const py::kwargs& kwargs) {
  core::Parameters p = comparison_parameters(kwargs);
  const py::object given[] = {Q, K, V, KP, VP};
  int arrays = 0;
  for (const py::object& a : given) arrays += !a.is_none();
  require(arrays == 0 || arrays == 5, "give all of Q, K, V, KP and VP, or none (a generated workload)");
  if (!omega.is_none()) {
    require(p.feature.kind == core::FeatureKind::favor, "omega gives FAVOR+ directions; use it with feature='favor'");
    p.feature.omega = view(as_matrix(omega, "omega", "r x d"));
  }
  core::ComparisonOptions options;
  options.memory_budget_bytes = memory_budget_mb * 1e6;
  options.float64_gap = true;  // as `ntk-explorer compare`: a float32 result comes with its gap to float64
  Interruption interruption;
  options.progress = interruption.progress();
  core::Comparison c;
  if (arrays == 5) {
    for (const auto& [key, value] : kwargs)
      require(!core::set_by_inputs(py::str(key).cast<std::string>()),
              py::str(key).cast<std::string>() + " describes a generated workload; it cannot be combined with arrays");
    const FortranArray q = as_matrix(Q, "Q", "n x d"), k = as_matrix(K, "K", "L x d"), v = as_matrix(V, "V", "L x d_v"),
                       kp = as_matrix(KP, "KP", "m x d"), vp = as_matrix(VP, "VP", "m x d_v");
    require(vp.shape(0) == kp.shape(0), "VP " + shape_text(vp) + " must have as many rows as KP " + shape_text(kp));
    core::describe_inputs(p, q.shape(0), k.shape(0), q.shape(1), v.shape(1), kp.shape(0));
    py::gil_scoped_release release;
    c = core::compare_methods(view(q), view(k), view(v), core::MatrixPrefix(view(kp), view(vp)), p, options);
  } else {
    py::gil_scoped_release release;
    c = core::compare_methods(p, options);
  }
  interruption.raise_if_interrupted();
  return comparison_dict(c, arrays == 5 ? core::InputSource::arrays : core::InputSource::generated);
}

// The prefix of `heads` and `train_heads`: a PEFT folder or a KV cache, exactly one.
core::PrefixLayers open_prefix(const py::object& checkpoint, const py::object& cache) {
  require(
      checkpoint.is_none() != cache.is_none(),
      "give the prefix as one of checkpoint (a PEFT prefix-tuning folder) or cache (a KV cache .safetensors or .npz)");
  return checkpoint.is_none() ? core::open_kv_cache(py::str(cache).cast<std::string>())
                              : core::open_peft_prefix(py::str(checkpoint).cast<std::string>());
}

py::dict heads(const std::string& activations, const py::object& checkpoint, const py::object& cache, double tolerance,
               double memory_budget_mb, const py::kwargs& kwargs) {
  for (const auto& [key, value] : kwargs)
    require(!core::set_by_inputs(py::str(key).cast<std::string>()),
            py::str(key).cast<std::string>() + " is set by the captured arrays; drop it");
  const core::Parameters p = comparison_parameters(kwargs);
  require(tolerance >= 0, "tolerance must be at least 0");
  Interruption interruption;
  core::HeadsReport report;
  try {
    const core::CapturedAttention inputs(activations);
    const core::PrefixLayers prefix = open_prefix(checkpoint, cache);
    py::gil_scoped_release release;
    report = core::compare_heads(prefix, inputs, p, {interruption.progress(), memory_budget_mb * 1e6});
  } catch (const std::invalid_argument& e) {
    throw py::value_error(e.what());
  }
  interruption.raise_if_interrupted();
  return py::module_::import("json").attr("loads")(core::heads_json(report, tolerance));
}

py::list train_heads(const std::string& activations, const py::object& checkpoint, const py::object& cache, int steps,
                     double lr, const std::string& optimizer, double memory_budget_mb, const py::kwargs& kwargs) {
  for (const auto& [key, value] : kwargs)
    require(!core::set_by_inputs(py::str(key).cast<std::string>()),
            py::str(key).cast<std::string>() + " is set by the captured arrays; drop it");
  const core::Parameters p = comparison_parameters(kwargs);
  require(optimizer == "adam" || optimizer == "gd", "optimizer must be 'adam' or 'gd'");
  core::AttentionTrainOptions options;
  options.optimizer = optimizer == "adam" ? core::Optimizer::adam : core::Optimizer::gradient_descent;
  options.steps = steps;
  options.learning_rate = lr;
  options.memory_budget_bytes = memory_budget_mb * 1e6;
  Interruption interruption;
  options.progress = interruption.progress();
  core::HeadsTraining report;
  try {
    const core::CapturedAttention inputs(activations);
    const core::PrefixLayers prefix = open_prefix(checkpoint, cache);
    py::gil_scoped_release release;
    report = core::train_heads(prefix, inputs, p, options);
  } catch (const std::invalid_argument& e) {
    throw py::value_error(e.what());
  }
  interruption.raise_if_interrupted();
  py::list out;
  for (const core::HeadTraining& h : report.heads) {
    const core::AttentionTrainRun& run = h.run;
    std::vector<double> loss;
    for (const core::AttentionTrainStep& s : run.steps) loss.push_back(s.loss);
    out.append(py::dict("layer"_a = h.layer, "kv_head"_a = h.kv_head, "query_heads"_a = h.query_heads,
                        "train_queries"_a = h.train_queries, "held_out_queries"_a = h.held_out_queries, "m"_a = h.m,
                        "trained_error"_a = run.trained_error, "closed_error"_a = run.closed_error,
                        "z_distance"_a = run.z_distance, "loss"_a = loss, "Z"_a = run.Z, "k"_a = run.k,
                        "Z_closed"_a = run.Z_closed, "k_closed"_a = run.k_closed,
                        "status"_a = core::to_string(run.status)));
  }
  return out;
}

py::dict generate(double memory_budget_mb, const py::kwargs& kwargs) {
  const core::WorkloadSpec spec = comparison_parameters(kwargs).workload;
  const bool projection = spec.mode == core::WorkloadMode::projection;
  const double d = double(spec.d), dv = double(core::value_width(spec));
  const double bytes =
      8.0 * (double(spec.m) * (d + dv + (projection ? d : 0.0)) + double(spec.L) * (3.0 * d + dv) + d * (2.0 * d + dv));
  require(bytes <= memory_budget_mb * 1e6,
          "the workload needs " + std::to_string(std::int64_t(bytes / 1e6)) + " MB, over memory_budget_mb = " +
              std::to_string(std::int64_t(memory_budget_mb)) + "; lower m or raise memory_budget_mb");
  Interruption interruption;
  core::InputPart in;
  Eigen::MatrixXd KP, VP;
  {
    py::gil_scoped_release release;
    in = core::generate_inputs(spec);
    core::materialize(core::GeneratedPrefix(spec, in), KP, VP, interruption.progress());
  }
  interruption.raise_if_interrupted();
  py::dict out("Q"_a = std::move(in.Q), "K"_a = std::move(in.K), "V"_a = std::move(in.V), "KP"_a = std::move(KP),
               "VP"_a = std::move(VP));
  if (projection) {
    out["X"] = std::move(in.X);
    out["P"] = core::prefix_tokens(spec, 0, spec.m);
    out["WQ"] = std::move(in.WQ);
    out["WK"] = std::move(in.WK);
    out["WV"] = std::move(in.WV);
  }
  return out;
}

Eigen::MatrixXd infinite_limit(const py::kwargs& kwargs) {
  const core::WorkloadSpec spec = comparison_parameters(kwargs).workload;
  py::gil_scoped_release release;
  return core::infinite_prefix_limit(spec, core::generate_inputs(spec));
}

py::dict spectrum_dict(const core::Spectrum& s) {
  return py::dict("eigenvalues"_a = s.eigenvalues, "complete"_a = s.complete, "lambda_min"_a = s.lambda_min,
                  "lambda_max"_a = s.lambda_max, "condition"_a = s.condition, "effective_rank"_a = s.effective_rank,
                  "trace"_a = s.trace, "frobenius"_a = s.frobenius, "status"_a = core::to_string(s.status));
}

py::dict ntk_kernel(double memory_budget_mb, const py::kwargs& kwargs) {
  const core::NtkSpec spec = ntk_settings(kwargs).model;
  core::check_ntk_memory(spec, memory_budget_mb * 1e6, core::NtkWork::kernels);
  Interruption interruption;
  core::NtkView v;
  {
    py::gil_scoped_release release;
    v = core::ntk_view(spec, interruption.progress());
  }
  interruption.raise_if_interrupted();
  return py::dict("X"_a = std::move(v.problem.X), "Y"_a = std::move(v.problem.Y), "W0"_a = std::move(v.problem.W0),
                  "a"_a = std::move(v.problem.a), "empirical"_a = std::move(v.empirical),
                  "limit"_a = std::move(v.limit), "empirical_spectrum"_a = spectrum_dict(v.empirical_spectrum),
                  "limit_spectrum"_a = spectrum_dict(v.limit_spectrum), "distance"_a = v.distance);
}

py::dict ntk_concentration(const py::kwargs& kwargs) {
  const core::NtkSpec spec = ntk_settings(kwargs).model;
  const std::vector<Eigen::Index> widths = core::ntk_widths(spec);
  std::vector<double> distance, lambda_min;
  Interruption interruption;
  for (const Eigen::Index m : widths) {
    core::NtkWidthPoint point;
    {
      py::gil_scoped_release release;
      point = core::ntk_width_point(spec, m, interruption.progress());
    }
    interruption.raise_if_interrupted();
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    distance.push_back(point.distance);
    lambda_min.push_back(point.lambda_min);
  }
  return py::dict("m"_a = widths, "distance"_a = distance, "lambda_min"_a = lambda_min);
}

py::dict train_prefix(const py::kwargs& kwargs) {
  const core::NtkSettings settings = ntk_settings(kwargs);
  const core::NtkSpec& spec = settings.model;
  Interruption interruption;
  core::GradientDescentRun run;
  {
    py::gil_scoped_release release;
    const core::NtkProblem problem = core::make_problem(spec);
    core::GradientDescentOptions options;
    options.eta = settings.eta;
    options.steps = settings.steps;
    options.progress = interruption.progress();
    run = core::train_prefix_keys(problem, spec.sigma, options);
  }
  interruption.raise_if_interrupted();
  std::vector<double> step, loss, lambda_min, movement, compute, infinite, finite;
  for (const core::TrainStep& s : run.steps) {
    step.push_back(s.step);
    loss.push_back(s.loss);
    lambda_min.push_back(s.lambda_min);
    movement.push_back(s.weight_movement);
    compute.push_back(s.compute);
    infinite.push_back(s.predicted_loss_infinite);
    finite.push_back(s.predicted_loss_finite);
  }
  return py::dict("step"_a = step, "loss"_a = loss, "lambda_min"_a = lambda_min, "weight_movement"_a = movement,
                  "compute"_a = compute, "predicted_loss_infinite"_a = infinite, "predicted_loss_finite"_a = finite,
                  "W"_a = std::move(run.W), "eta"_a = run.eta, "lambda_star"_a = run.lambda_star,
                  "lambda_initial"_a = run.lambda_initial, "status"_a = core::to_string(run.status));
}

// Rows of text fields as a dict of columns: NumPy float arrays where every entry is a number,
// lists of strings otherwise (feature, mode, dist, status, ...).
py::dict columns(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  const py::module_ np = py::module_::import("numpy");
  py::dict out;
  for (std::size_t j = 0; j < header.size(); ++j) {
    py::list texts;
    std::vector<double> numbers;
    bool numeric = header[j] != "sweep";  // the fingerprint stays text even when all its digits are decimal
    for (const auto& row : rows) {
      texts.append(row[j]);
      char* end = nullptr;
      const double v = std::strtod(row[j].c_str(), &end);
      numeric = numeric && !row[j].empty() && *end == '\0';
      numbers.push_back(v);
    }
    out[py::str(header[j])] = numeric ? py::object(np.attr("array")(numbers)) : py::object(texts);
  }
  return out;
}

py::dict sweep(const std::vector<std::string>& vary, double memory_budget_mb, const py::kwargs& kwargs) {
  const core::Parameters base = comparison_parameters(kwargs);
  require(!vary.empty(), "give at least one axis, e.g. vary=['m=16..65536:log2']");
  std::vector<core::SweepAxis> axes;
  axes.reserve(vary.size());
  for (const std::string& v : vary) axes.push_back(core::parse_axis(v));
  const std::vector<core::SweepPoint> points = core::expand(base, axes);
  const std::string fingerprint = core::sweep_fingerprint(base, axes);
  core::check_sweep_budget(points, 1, 1, memory_budget_mb * 1e6);
  Interruption interruption;
  core::SweepRunOptions options;
  options.comparison.memory_budget_bytes = memory_budget_mb * 1e6;
  options.comparison.progress = interruption.progress();
  options.starting = [&](const core::SweepPoint&) { return !interruption.stopped(); };
  std::vector<std::vector<std::string>> rows;
  options.finished = [&](const core::SweepPoint&, const std::vector<std::string>& row) { rows.push_back(row); };
  {
    py::gil_scoped_release release;
    core::run_sweep(points, fingerprint, options);
  }
  interruption.raise_if_interrupted();
  return columns(core::sweep_header(), rows);
}

py::dict scaling(const py::kwargs& kwargs) {
  const core::Parameters base = comparison_parameters(kwargs);
  Interruption interruption;
  std::vector<double> m, r, max_abs, rel_fro, bound, limit, exact_s, ntk_s, compress_s;
  std::vector<std::string> status;
  {
    py::gil_scoped_release release;
    core::ScalingPlan plan = core::scaling_plan(base);
    plan.by_feature.clear();  // the m series only
    core::ScalingRunOptions options;
    options.progress = interruption.progress();
    options.point = [&](core::ScalingSeriesKind, const core::ScalingPoint& s) {  // points over the budget: left out
      m.push_back(double(s.m));
      r.push_back(double(s.r));
      max_abs.push_back(s.max_abs);
      rel_fro.push_back(s.rel_fro);
      bound.push_back(s.bound.value_or(NAN));
      limit.push_back(s.limit_distance.value_or(NAN));
      exact_s.push_back(s.exact_seconds);
      ntk_s.push_back(s.ntk_seconds);
      compress_s.push_back(s.compress_seconds);
      status.emplace_back(core::to_string(s.status));
    };
    core::run_scaling(plan, options);
  }
  interruption.raise_if_interrupted();
  return py::dict("m"_a = m, "r"_a = r, "max_abs_error"_a = max_abs, "rel_fro_error"_a = rel_fro,
                  "taylor_output_bound"_a = bound, "limit_distance"_a = limit, "exact_seconds"_a = exact_s,
                  "ntk_seconds"_a = ntk_s, "compress_seconds"_a = compress_s, "status"_a = status);
}

void set_threads(int threads) {
  require(threads >= 1 && threads <= core::most_threads(),
          "threads must be from 1 to " + std::to_string(core::most_threads()) + " (4 per core)");
  core::set_thread_count(threads);
}

py::dict parameters() {
  py::dict out;
  const auto describe = [&](std::span<const core::ParamSpec> table, const core::Parameters& p) {
    py::dict d;
    for (const core::ParamSpec& s : table) {
      py::dict e("default"_a = s.get(p), "help"_a = std::string(s.help));
      if (s.type == core::ParamType::integer) {  // exact: 2^53 as a float would swallow a + 1
        e["min"] = static_cast<long long>(s.min);
        e["max"] = static_cast<long long>(s.max);
      } else if (s.type == core::ParamType::real) {
        e["min"] = s.min;
        e["max"] = s.max;
      }
      if (s.type == core::ParamType::choice) {
        std::vector<std::string> choices(s.choices.begin(), s.choices.end());
        e["choices"] = choices;
      }
      d[py::str(std::string(s.key))] = e;
    }
    return d;
  };
  const core::Parameters p = core::default_parameters();
  out["comparison"] = describe(core::parameter_specs(), p);
  out["ntk"] = describe(core::ntk_parameter_specs(), p);
  return out;
}

}  // namespace
}  // namespace ntk::python

#include "python/docstrings.h"

PYBIND11_MODULE(ntk_explorer, m) {
  using namespace ntk::python;
  namespace core = ntk::core;
  m.doc() = docs::module;
  m.attr("__version__") = core::program_version();
  m.attr("commit") = core::program_commit();
  const auto feature_args = [] {  // the defaults of the parameter table
    const core::FeatureMapSpec f = core::default_parameters().feature;
    return std::make_tuple(py::arg("feature") = core::to_string(f.kind), py::arg("degree") = f.degree,
                           py::arg("features") = f.features, py::arg("orthogonal") = f.orthogonal,
                           py::arg("seed") = f.seed, py::arg("omega") = py::none());
  };
  const double budget_mb = core::default_memory_budget_bytes / 1e6;
  m.def("set_threads", &set_threads, py::arg("threads"), docs::set_threads);
  m.def("threads", &core::thread_count, docs::threads);
  m.def("parameters", &parameters, docs::parameters);
  m.def("exact_attention", &exact_attention, py::arg("Q"), py::arg("K"), py::arg("V"), py::arg("KP"), py::arg("VP"),
        py::kw_only(), py::arg("causal") = false, docs::exact_attention);
  std::apply(
      [&](auto... f) { m.def("feature_map", &feature_map, py::arg("X"), py::kw_only(), f..., docs::feature_map); },
      feature_args());
  std::apply(
      [&](auto... f) {
        m.def("compress_prefix", &compress_prefix, py::arg("KP"), py::arg("VP"), py::kw_only(), f...,
              docs::compress_prefix);
      },
      feature_args());
  std::apply(
      [&](auto... f) {
        m.def("ntk_attention", &ntk_attention, py::arg("Q"), py::arg("K"), py::arg("V"), py::arg("Z"), py::arg("k"),
              py::kw_only(), py::arg("causal") = false, f..., docs::ntk_attention);
      },
      feature_args());
  m.def("compare", &compare, py::arg("Q") = py::none(), py::arg("K") = py::none(), py::arg("V") = py::none(),
        py::arg("KP") = py::none(), py::arg("VP") = py::none(), py::kw_only(), py::arg("omega") = py::none(),
        py::arg("memory_budget_mb") = budget_mb, docs::compare);
  m.def("heads", &heads, py::arg("activations"), py::kw_only(), py::arg("checkpoint") = py::none(),
        py::arg("cache") = py::none(), py::arg("tolerance") = 0.01, py::arg("memory_budget_mb") = budget_mb,
        docs::heads);
  m.def("train_heads", &train_heads, py::arg("activations"), py::kw_only(), py::arg("checkpoint") = py::none(),
        py::arg("cache") = py::none(), py::arg("steps") = core::AttentionTrainOptions().steps,
        py::arg("lr") = core::AttentionTrainOptions().learning_rate, py::arg("optimizer") = "adam",
        py::arg("memory_budget_mb") = budget_mb, docs::train_heads);
  m.def("generate", &generate, py::kw_only(), py::arg("memory_budget_mb") = budget_mb, docs::generate);
  m.def("infinite_limit", &infinite_limit, docs::infinite_limit);
  m.def("ntk_kernel", &ntk_kernel, py::kw_only(), py::arg("memory_budget_mb") = budget_mb, docs::ntk_kernel);
  m.def("ntk_concentration", &ntk_concentration, docs::ntk_concentration);
  m.def("train_prefix", &train_prefix, docs::train_prefix);
  m.def("sweep", &sweep, py::arg("vary"), py::kw_only(), py::arg("memory_budget_mb") = budget_mb, docs::sweep);
  m.def("scaling", &scaling, docs::scaling);
}
