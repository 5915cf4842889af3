#include "core/workload/workload.h"

#include "core/util/parallel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ntk::core {
namespace {

Eigen::MatrixXd draw(Eigen::Index rows, Eigen::Index cols, Distribution dist, double scale, std::uint64_t seed,
                     Stream stream) {
  Eigen::MatrixXd out(rows, cols);
  fill_random(out, dist, scale, seed, stream);
  return out;
}

Eigen::MatrixXd draw_projection(const WorkloadSpec& spec, Eigen::Index cols, Stream stream) {
  return draw(spec.d, cols, Distribution::gaussian, 1.0 / std::sqrt(double(spec.d)), spec.seed, stream);
}

}  // namespace

void validate(const WorkloadSpec& spec) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
  };
  require(spec.L >= 1, "L must be at least 1 (got " + std::to_string(spec.L) + ")");
  require(spec.d >= 1, "d must be at least 1 (got " + std::to_string(spec.d) + ")");
  require(spec.m >= 0, "m must be 0 or more (got " + std::to_string(spec.m) + ")");
  require(spec.queries >= 0 && spec.queries <= spec.L,
          "the queries n must be 0 (one per input token) or at most L = " + std::to_string(spec.L) +
              ": they are the last n input tokens' (got " + std::to_string(spec.queries) + ")");
  require(spec.dv >= 0, "d_v must be 0 (d_v = d) or more (got " + std::to_string(spec.dv) + ")");
  require(std::isfinite(spec.scale) && spec.scale > 0,
          "the entry scale must be a positive number (got " + std::to_string(spec.scale) + ")");
  require(std::isfinite(spec.match) && spec.match >= 0,
          "the planted match must be 0 or a positive number (got " + std::to_string(spec.match) + ")");
  require(spec.match == 0 || spec.mode == WorkloadMode::direct,
          "a planted match sets prefix keys, which projection mode derives from tokens: use --mode direct "
          "or --match 0");
}

std::vector<Eigen::Index> planted_positions(const WorkloadSpec& spec) {
  if (spec.match == 0 || spec.mode != WorkloadMode::direct || spec.m < 1) return {};
  const Eigen::Index n = std::min(query_count(spec), spec.m);
  std::vector<Eigen::Index> positions(static_cast<std::size_t>(n));
  // (2i + 1) m < 2^63 for every m and L the parameter table allows (m <= 2^34, L <= 2^14).
  for (Eigen::Index i = 0; i < n; ++i) positions[std::size_t(i)] = (2 * i + 1) * spec.m / (2 * n);
  return positions;
}

InputPart generate_inputs(const WorkloadSpec& spec) {
  validate(spec);
  InputPart in;
  const Eigen::Index n = query_count(spec), first = spec.L - n;
  if (spec.mode == WorkloadMode::direct) {
    in.Q.resize(n, spec.d);
    fill_random(in.Q, spec.dist, spec.scale, spec.seed, Stream::Q, first);
    in.K = draw(spec.L, spec.d, spec.dist, spec.scale, spec.seed, Stream::K);
    in.V = draw(spec.L, value_width(spec), spec.dist, spec.scale, spec.seed, Stream::V);
    return in;
  }
  in.X = draw(spec.L, spec.d, spec.dist, spec.scale, spec.seed, Stream::X);
  in.WQ = draw_projection(spec, spec.d, Stream::WQ);
  in.WK = draw_projection(spec, spec.d, Stream::WK);
  in.WV = draw_projection(spec, value_width(spec), Stream::WV);
  in.Q = in.X.bottomRows(n) * in.WQ;
  in.K = in.X * in.WK;
  in.V = in.X * in.WV;
  return in;
}

MatrixPrefix::MatrixPrefix(const Eigen::Ref<const Eigen::MatrixXd>& KP, const Eigen::Ref<const Eigen::MatrixXd>& VP)
    : m_KP(KP), m_VP(VP) {
  if (KP.rows() != VP.rows())
    throw std::invalid_argument("K_P and V_P must have the same number of rows (got " + std::to_string(KP.rows()) +
                                " and " + std::to_string(VP.rows()) + ")");
}

PrefixRows MatrixPrefix::block(Eigen::Index begin, Eigen::Index count, PrefixScratch&) const {
  return {m_KP.middleRows(begin, count), m_VP.middleRows(begin, count)};
}

GeneratedPrefix::GeneratedPrefix(const WorkloadSpec& spec, const InputPart& inputs)
    : m_spec(spec), m_WK(inputs.WK), m_WV(inputs.WV), m_planted(planted_positions(spec)) {
  validate(spec);
  if (spec.mode == WorkloadMode::projection &&
      (m_WK.rows() != spec.d || m_WV.rows() != spec.d || m_WV.cols() != value_width(spec)))
    throw std::invalid_argument("projection-mode prefix needs the workload's W_K and W_V");
  const auto n = Eigen::Index(m_planted.size());
  if (n > 0 && (inputs.Q.rows() < n || inputs.Q.cols() != spec.d))
    throw std::invalid_argument("a planted match needs the workload's queries");
  // Keys along the queries, of one common length: a query's own key then scores highest of all
  // planted keys (Cauchy-Schwarz), and the own scores average to match.
  const Eigen::MatrixXd Q = inputs.Q.topRows(n);
  const Eigen::VectorXd norms = Q.rowwise().norm();
  const double length = n > 0 ? spec.match * std::sqrt(double(spec.d)) / norms.mean() : 0.0;
  m_plantedKeys = (norms.array() > 0).select(length * norms.cwiseInverse(), 0.0).asDiagonal() * Q;
}

Eigen::MatrixXd prefix_tokens(const WorkloadSpec& spec, Eigen::Index begin, Eigen::Index count) {
  Eigen::MatrixXd P(count, spec.d);
  fill_random(P, spec.dist, spec.scale, spec.seed, Stream::P, begin);
  return P;
}

PrefixRows GeneratedPrefix::block(Eigen::Index begin, Eigen::Index count, PrefixScratch& scratch) const {
  const Eigen::Index d = m_spec.d;
  if (m_spec.mode == WorkloadMode::direct) {
    scratch.KP.resize(count, d);
    scratch.VP.resize(count, value_width(m_spec));
    fill_random(scratch.KP, m_spec.dist, m_spec.scale, m_spec.seed, Stream::KP, begin);
    fill_random(scratch.VP, m_spec.dist, m_spec.scale, m_spec.seed, Stream::VP, begin);
    const auto first = std::lower_bound(m_planted.begin(), m_planted.end(), begin);
    for (auto p = first; p != m_planted.end() && *p < begin + count; ++p)
      scratch.KP.row(*p - begin) = m_plantedKeys.row(p - m_planted.begin());
  } else {
    scratch.P = prefix_tokens(m_spec, begin, count);
    scratch.KP.noalias() = scratch.P * m_WK;
    scratch.VP.noalias() = scratch.P * m_WV;
  }
  return {scratch.KP, scratch.VP};
}

namespace {

// Draws rows [begin, end) of `source` into the same rows of KP and VP, in parallel.
bool draw_rows(const PrefixSource& source, Eigen::MatrixXd& KP, Eigen::MatrixXd& VP, Eigen::Index begin,
               Eigen::Index end, const Progress& progress) {
  constexpr Eigen::Index chunk = 4096;
  ProgressTracker tracker(progress, end - begin);
  // Rows are drawn by index, so any thread can draw any chunk with the same result.
  parallel_tasks((end - begin + chunk - 1) / chunk, [&](Eigen::Index c) {
    if (tracker.cancelled()) return;
    thread_local PrefixScratch scratch;
    const Eigen::Index first = begin + c * chunk, count = std::min(chunk, end - first);
    const PrefixRows block = source.block(first, count, scratch);
    KP.middleRows(first, count) = block.KP;
    VP.middleRows(first, count) = block.VP;
    tracker.advance(count);
  });
  return !tracker.cancelled();
}

}  // namespace

bool materialize(const PrefixSource& source, Eigen::MatrixXd& KP, Eigen::MatrixXd& VP, const Progress& progress) {
  const Eigen::Index m = source.rows();
  const Eigen::Index held = KP.cols() == source.dim() && VP.cols() == source.value_dim() && VP.rows() == KP.rows()
                                ? std::min(KP.rows(), m)
                                : 0;
  KP.conservativeResize(m, source.dim());
  VP.conservativeResize(m, source.value_dim());
  if (draw_rows(source, KP, VP, held, m, progress)) return true;
  KP.conservativeResize(held, source.dim());
  VP.conservativeResize(held, source.value_dim());
  return false;
}

}  // namespace ntk::core
