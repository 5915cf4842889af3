#pragma once
// Seeded workloads (method.md section 1): direct mode draws Q, K, V, K_P, V_P; projection mode
// draws X, P, W_Q, W_K, W_V and projects. Prefix rows are drawn on demand, so a prefix of
// millions of rows never has to be stored.

#include "core/util/progress.h"
#include "core/util/rng.h"

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <vector>

namespace ntk::core {

enum class WorkloadMode { direct, projection };

struct WorkloadSpec {
  WorkloadMode mode = WorkloadMode::direct;
  Eigen::Index L = 64;    ///< input length (query tokens)
  Eigen::Index d = 16;    ///< head dimension
  Eigen::Index m = 4096;  ///< prefix length
  double scale = 0.5;     ///< Gaussian standard deviation, or the bound B of Uniform[-B, B]
  Distribution dist = Distribution::gaussian;
  std::uint64_t seed = 1;
  double match = 0;          ///< planted match: query i's score with its own prefix key (0: none)
  Eigen::Index queries = 0;  ///< n: the queries of the last n input tokens (decoding); 0: all L
  Eigen::Index dv = 0;       ///< value width d_v; 0: d

  bool operator==(const WorkloadSpec&) const = default;
};

/// The number of queries n of `spec` (L unless it names fewer).
inline Eigen::Index query_count(const WorkloadSpec& spec) { return spec.queries > 0 ? spec.queries : spec.L; }
/// The value width d_v of `spec` (d unless it names another).
inline Eigen::Index value_width(const WorkloadSpec& spec) { return spec.dv > 0 ? spec.dv : spec.d; }

/// The input part of a workload: the queries of the last n of the L input tokens (row i of Q is
/// token L - n + i's, drawn as it would be with n = L), and the keys and values of all L. In
/// projection mode X and W_Q, W_K, W_V are kept too (W entries are N(0, 1/d), so projections
/// keep the scale of X); in direct mode they are empty.
struct InputPart {
  Eigen::MatrixXd Q;       ///< n x d
  Eigen::MatrixXd K;       ///< L x d
  Eigen::MatrixXd V;       ///< L x d_v
  Eigen::MatrixXd X;       ///< L x d (projection mode)
  Eigen::MatrixXd WQ, WK;  ///< d x d (projection mode)
  Eigen::MatrixXd WV;      ///< d x d_v (projection mode)
};

/// Draws the input part of `spec`. Throws std::invalid_argument for sizes < 1 or scale <= 0.
InputPart generate_inputs(const WorkloadSpec& spec);

/// Checks sizes, scale and match; throws std::invalid_argument naming the valid range.
void validate(const WorkloadSpec& spec);

/// The planted match (direct mode, match > 0), a retrieval-style structure: the first
/// n = min(L, m) queries each own one prefix key, at position p_i = floor((2i + 1) m / (2n)),
/// spread evenly over the prefix. The key points along q_i, and all n have the length
/// match * sqrt(d) / mean_j |q_j|: query i's score with its own key is match * |q_i| / mean_j |q_j|
/// (match on average), the highest of its scores with planted keys. Value rows stay random.
/// The positions, increasing; empty without a planted match.
std::vector<Eigen::Index> planted_positions(const WorkloadSpec& spec);

/// Views of prefix rows [begin, begin + count): K_P (count x d) and V_P (count x d_v) blocks.
struct PrefixRows {
  Eigen::Ref<const Eigen::MatrixXd> KP;
  Eigen::Ref<const Eigen::MatrixXd> VP;
};

/// Per-thread buffers a generated prefix draws into.
struct PrefixScratch {
  Eigen::MatrixXd KP, VP, P;
};

/// Where the prefix rows come from: arrays in memory, or drawn on the fly.
class PrefixSource {
 public:
  virtual ~PrefixSource() = default;
  virtual Eigen::Index rows() const = 0;
  virtual Eigen::Index dim() const = 0;                     ///< d, the width of the keys
  virtual Eigen::Index value_dim() const { return dim(); }  ///< d_v, the width of the values
  /// Rows [begin, begin + count); the views stay valid until `scratch` is next used.
  virtual PrefixRows block(Eigen::Index begin, Eigen::Index count, PrefixScratch& scratch) const = 0;
};

/// A prefix held in memory (K_P m x d, V_P m x d_v), viewed without a copy when the arrays are column-major
/// with contiguous columns (a MatrixXd, a mapped Fortran-order NumPy array); the arrays must
/// outlive the source.
class MatrixPrefix final : public PrefixSource {
 public:
  MatrixPrefix(const Eigen::Ref<const Eigen::MatrixXd>& KP, const Eigen::Ref<const Eigen::MatrixXd>& VP);
  Eigen::Index rows() const override { return m_KP.rows(); }
  Eigen::Index dim() const override { return m_KP.cols(); }
  Eigen::Index value_dim() const override { return m_VP.cols(); }
  PrefixRows block(Eigen::Index begin, Eigen::Index count, PrefixScratch&) const override;

 private:
  Eigen::Ref<const Eigen::MatrixXd> m_KP;
  Eigen::Ref<const Eigen::MatrixXd> m_VP;
};

/// The prefix of a seeded workload, drawn row block by row block (memory O(count * d)), with
/// its planted keys (memory O(L d)) when the spec has a match.
class GeneratedPrefix final : public PrefixSource {
 public:
  /// `inputs` must be generate_inputs(spec) (projection mode uses its W_K, W_V).
  GeneratedPrefix(const WorkloadSpec& spec, const InputPart& inputs);
  Eigen::Index rows() const override { return m_spec.m; }
  Eigen::Index dim() const override { return m_spec.d; }
  Eigen::Index value_dim() const override { return value_width(m_spec); }
  PrefixRows block(Eigen::Index begin, Eigen::Index count, PrefixScratch& scratch) const override;

 private:
  WorkloadSpec m_spec;
  Eigen::MatrixXd m_WK, m_WV;
  std::vector<Eigen::Index> m_planted;  ///< planted_positions(m_spec)
  Eigen::MatrixXd m_plantedKeys;        ///< row i: the key at m_planted[i]
};

/// Draws the prefix into memory (for small m, for export, and for tests), in parallel: the rows
/// KP and VP lack, [KP.rows(), m), keeping those they hold (empty arrays get every row). Returns
/// false when `progress` (units: rows) cancelled it; the arrays then hold only their old rows.
bool materialize(const PrefixSource& source, Eigen::MatrixXd& KP, Eigen::MatrixXd& VP, const Progress& progress = {});

/// In projection mode, the prefix tokens P rows [begin, begin + count) (count x d).
Eigen::MatrixXd prefix_tokens(const WorkloadSpec& spec, Eigen::Index begin, Eigen::Index count);

}  // namespace ntk::core
