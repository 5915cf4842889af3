// ntk-explorer bench: the performance suite (docs/performance.md). Medians of repeated runs;
// the cases match ../shared/bench/peer_torch.py so the two can be compared in one session.

#include "app/commands.h"
#include "core/io/text_formats.h"
#include "core/kernels/cost_model.h"
#include "core/kernels/ntk_attention.h"
#include "core/kernels/prefix_attention.h"
#include "core/ntk/gradient_descent.h"
#include "core/ntk/spectrum.h"
#include "core/pipeline/comparison.h"
#include "core/util/parallel.h"

#include <sys/resource.h>
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

namespace ntk::app {
namespace {

struct CaseResult {
  std::string name;
  double seconds = 0;
  double gflops = 0;
  double peak_mb = -1;  ///< process peak resident memory after the case, when measured
  core::Precision precision = core::Precision::float64;
};

std::string suffix(core::Precision p) { return p == core::Precision::float32 ? "_float32" : ""; }

double median_seconds(int reps, const std::function<void()>& f) {
  f();  // warm-up: page faults, thread start-up
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
  return t[std::size_t(reps / 2)];
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

core::WorkloadSpec workload(Eigen::Index L, Eigen::Index d, Eigen::Index m) {
  core::WorkloadSpec s;
  s.L = L;
  s.d = d;
  s.m = m;
  s.scale = 0.5;
  s.seed = 7;
  return s;
}

// Runs first, so the process peak memory it reports is this case's (and the float64 one's).
CaseResult streaming_case(Eigen::Index m, core::Precision precision) {
  const core::WorkloadSpec spec = workload(128, 64, m);
  const core::InputPart in = core::generate_inputs(spec);
  const core::GeneratedPrefix prefix(spec, in);
  const auto start = std::chrono::steady_clock::now();
  const core::ExactResult r = core::prefix_attention_streaming(in.Q, in.K, in.V, prefix, {false, {}, precision});
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double flops = core::estimate_cost({spec.L, spec.d, m, 0}).exact.flops;
  return {"exact_streaming_generated_L128_d64_m" + std::to_string(m) + suffix(precision), s, flops / s / 1e9,
          peak_rss_mb(), precision};
}

double gemm_gflops(Eigen::Index n, int reps) {
  const Eigen::MatrixXd A = Eigen::MatrixXd::Random(n, n), B = Eigen::MatrixXd::Random(n, n);
  Eigen::MatrixXd C(n, n);
  // The reference rate is Eigen's multithreaded product on every thread the kernels get.
  Eigen::setNbThreads(core::thread_count());
  const double s = median_seconds(reps, [&] { C.noalias() = A * B; });
  Eigen::setNbThreads(1);
  return 2.0 * double(n) * double(n) * double(n) / s / 1e9;
}

void attention_cases(Eigen::Index L, Eigen::Index d, Eigen::Index m, int reps, std::vector<CaseResult>& out) {
  const core::WorkloadSpec spec = workload(L, d, m);
  const core::InputPart in = core::generate_inputs(spec);
  Eigen::MatrixXd KP, VP;
  core::materialize(core::GeneratedPrefix(spec, in), KP, VP);
  const core::MatrixPrefix prefix(KP, VP);
  core::FeatureMapSpec fs;
  fs.degree = 2;
  const core::FeatureMap phi(fs, d);
  const core::CostEstimate cost = core::estimate_cost({L, d, m, phi.dim()});
  for (const core::Precision precision : {core::Precision::float64, core::Precision::float32}) {
    const std::string tag =
        "_L" + std::to_string(L) + "_d" + std::to_string(d) + "_m" + std::to_string(m) + suffix(precision);
    const double exact_s = median_seconds(reps, [&] {
      (void)core::prefix_attention_streaming(in.Q, in.K, in.V, prefix, {false, {}, precision});
    });
    out.push_back({"exact" + tag, exact_s, cost.exact.flops / exact_s / 1e9, -1, precision});
    core::NtkParams params;
    const double compress_s = median_seconds(1, [&] { params = core::compress_prefix(prefix, phi, {}, precision); });
    out.push_back({"ntk_compress_taylor2" + tag, compress_s, cost.compress.flops / compress_s / 1e9, -1, precision});
    const double ntk_s = median_seconds(
        std::max(reps, 9), [&] { (void)core::ntk_attention(in.Q, in.K, in.V, phi, params, false, precision); });
    out.push_back({"ntk_taylor2" + tag, ntk_s, cost.ntk.flops / ntk_s / 1e9, -1, precision});
  }
}

// Query heads sharing one key/value head's prefix (grouped-query attention), float64: all in
// one pass (compare_query_heads) and head by head (compare_methods each). Both count the same
// useful work, the heads' exact attention and NTK-Attention and one compression.
void grouped_heads_cases(Eigen::Index heads, Eigen::Index L, Eigen::Index d, Eigen::Index m, int reps,
                         std::vector<CaseResult>& out) {
  const core::WorkloadSpec spec = workload(L, d, m);
  const core::InputPart in = core::generate_inputs(spec);
  Eigen::MatrixXd KP, VP;
  core::materialize(core::GeneratedPrefix(spec, in), KP, VP);
  const core::MatrixPrefix prefix(KP, VP);
  std::vector<Eigen::MatrixXd> queries;
  for (Eigen::Index h = 0; h < heads; ++h) {
    core::WorkloadSpec head = spec;
    head.seed = spec.seed + std::uint64_t(h) + 1;
    queries.push_back(core::generate_inputs(head).Q);
  }
  core::Parameters p = core::default_parameters();
  core::describe_inputs(p, L, L, d, d, m);
  core::ComparisonOptions options;
  options.timing_runs = 1;
  const core::CostEstimate cost = core::estimate_cost({L, d, m, core::feature_dimension(p.feature, d)});
  const double flops = double(heads) * (cost.exact.flops + cost.ntk.flops) + cost.compress.flops;
  const std::string tag =
      "heads" + std::to_string(heads) + "_L" + std::to_string(L) + "_d" + std::to_string(d) + "_m" + std::to_string(m);
  const double shared_s =
      median_seconds(reps, [&] { (void)core::compare_query_heads(queries, in.K, in.V, prefix, p, options); });
  out.push_back({"one_pass_" + tag, shared_s, flops / shared_s / 1e9});
  const double alone_s = median_seconds(reps, [&] {
    for (const Eigen::MatrixXd& Q : queries) (void)core::compare_methods(Q, in.K, in.V, prefix, p, options);
  });
  out.push_back({"head_by_head_" + tag, alone_s, flops / alone_s / 1e9});
}

// The NTK view (issue 4): the empirical kernel and its full spectrum, and one step of the
// window's gradient descent (with lambda_min of H(W)/m, as the window computes it every step).
// FLOPs counted: the kernel product J J^T, 2 (n d)^2 m, and for a step also the gradient, 8 n d m.
void ntk_cases(bool quick, std::vector<CaseResult>& out) {
  const core::NtkSpec big{64, 8, 4096, 1.0, 7};
  const core::NtkProblem p = core::make_problem(big);
  const double nd = double(big.n * big.d);
  const double kernel_s = median_seconds(quick ? 1 : 5, [&] {
    const core::Spectrum s = core::symmetric_spectrum(core::empirical_ntk(p.W0, p.a, p.X) / double(big.m));
    if (!s.complete) std::abort();
  });
  out.push_back({"ntk_kernel_and_spectrum_n64_d8_m4096", kernel_s, 2 * nd * nd * double(big.m) / kernel_s / 1e9});
  const core::NtkSpec small{32, 4, 1024, 1.0, 7};
  core::PrefixTrainer trainer(core::make_problem(small), small.sigma);
  const double step_s = median_seconds(quick ? 3 : 21, [&] { trainer.advance(); });
  const double snd = double(small.n * small.d), sm = double(small.m);
  out.push_back({"ntk_train_step_n32_d4_m1024", step_s, (2 * snd * snd * sm + 8 * snd * sm) / step_s / 1e9});
}

int run(const Args& args, std::ostream& out, std::ostream& err) {
  apply_thread_option(args);
  const bool quick = args.has("quick");
  std::vector<CaseResult> cases;
  err << "bench: streaming cases first (their peak memory is the process peak so far)\n";
  for (const core::Precision precision : {core::Precision::float64, core::Precision::float32})
    cases.push_back(streaming_case(quick ? Eigen::Index{1} << 16 : Eigen::Index{1} << 24, precision));
  err << "bench: dense matrix multiply\n";
  const double gemm = gemm_gflops(quick ? 256 : 2048, 5);
  const struct { Eigen::Index L, d, m; } sizes[] = {{128, 16, 4096}, {256, 64, 65536}, {512, 64, 262144}};
  for (const auto& s : sizes) {
    if (quick && s.m > 4096) break;
    err << "bench: L=" << s.L << " d=" << s.d << " m=" << s.m << '\n';
    attention_cases(s.L, s.d, s.m, s.m > 65536 ? 3 : 5, cases);
  }
  err << "bench: query heads sharing a prefix\n";
  if (quick)
    grouped_heads_cases(4, 128, 16, 4096, 3, cases);
  else
    grouped_heads_cases(8, 256, 64, 65536, 3, cases);
  err << "bench: NTK view\n";
  ntk_cases(quick, cases);

  if (args.has("json")) {
    std::vector<core::JsonObject> list;
    for (const CaseResult& c : cases) {
      core::JsonObject& o = list.emplace_back();
      o.add("name", c.name)
          .add("precision", std::string(core::to_string(c.precision)))
          .add("seconds", c.seconds)
          .add("gflops", c.gflops);
      if (c.peak_mb >= 0) o.add("peak_memory_mb", c.peak_mb);
    }
    core::JsonObject top;
    top.add("program", std::string("ntk-explorer ") + NTK_VERSION)
        .add("threads", static_cast<long long>(core::thread_count()))
        .add("gemm_gflops", gemm)
        .add("cases", list);
    out << top.str();
    return exit_ok;
  }
  char line[200];
  std::snprintf(line, sizeof line, "threads %d; dense matrix multiply (float64): %.1f GFLOP/s\n", core::thread_count(),
                gemm);
  out << line;
  for (const CaseResult& c : cases) {
    std::snprintf(line, sizeof line, "%-46s %10.3f ms %8.1f GFLOP/s (%3.0f%% of GEMM)", c.name.c_str(), c.seconds * 1e3,
                  c.gflops, 100 * c.gflops / gemm);
    out << line;
    if (c.peak_mb >= 0) {
      std::snprintf(line, sizeof line, "  peak memory %.0f MB", c.peak_mb);
      out << line;
    }
    out << '\n';
  }
  return exit_ok;
}

}  // namespace

Command bench_command() {
  return {"bench",
          "Time exact prefix attention and NTK-Attention (medians, float64 and float32) against the GEMM rate",
          "bench [--json] [--quick] [--threads N]",
          {{"json", false, false, "print JSON (gemm_gflops; per case name, precision, seconds, gflops)"},
           {"quick", false, false, "small sizes only (a smoke test, seconds instead of a minute)"},
           resource_options().front()},
          run};
}

}  // namespace ntk::app
