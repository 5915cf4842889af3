#pragma once
// Feature maps phi: R^d -> R^r with <phi(q), phi(kappa)> ~= exp(<q, kappa> / sqrt(d))
// (method.md section 4). Rows are tokens: apply() maps an n x d matrix to n x r.

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

namespace ntk::core {

enum class FeatureKind {
  taylor,  ///< degree-g Taylor polynomial of exp (Alman and Song 2023), r = binom(d + g, g)
  elu,     ///< elu(x / d^(1/4)) + 1, r = d (the authors' public code); no error guarantee
  favor,   ///< positive random features (Choromanski et al. 2021), r free, unbiased
};

const char* to_string(FeatureKind kind);

struct FeatureMapSpec {
  FeatureKind kind = FeatureKind::taylor;
  int degree = 2;               ///< Taylor degree g (0 ... 12)
  Eigen::Index features = 256;  ///< FAVOR+ r
  bool orthogonal = false;      ///< FAVOR+: block-orthogonal directions
  std::uint64_t seed = 1;       ///< FAVOR+ directions (unless omega is given)
  Eigen::MatrixXd omega;        ///< FAVOR+: given directions (r x d); empty to draw them

  bool operator==(const FeatureMapSpec& o) const {
    return kind == o.kind && degree == o.degree && features == o.features && orthogonal == o.orthogonal &&
           seed == o.seed && omega.rows() == o.omega.rows() && omega.cols() == o.omega.cols() && omega == o.omega;
  }
};

/// Gives `spec` the FAVOR+ directions `omega` (r x d) read from `origin`. Throws
/// std::invalid_argument when it holds none (shape (0, d) or (r, 0)): an empty omega means "draw
/// them", and a given file must not silently become 256 random directions.
void set_given_omega(FeatureMapSpec& spec, Eigen::MatrixXd omega, const std::string& origin);

/// r for the spec at head dimension d; throws std::invalid_argument if it would pass 2^40.
Eigen::Index feature_dimension(const FeatureMapSpec& spec, Eigen::Index d);

class FeatureMap {
 public:
  /// Throws std::invalid_argument for a degree outside 0 ... 12, features < 1, an omega
  /// whose width is not d, or d < 1.
  FeatureMap(const FeatureMapSpec& spec, Eigen::Index d);

  Eigen::Index input_dim() const { return m_d; }
  Eigen::Index dim() const { return m_r; }
  FeatureKind kind() const { return m_kind; }
  /// FAVOR+ directions (r x d); empty for the other maps.
  const Eigen::MatrixXd& omega() const { return m_omega; }

  /// phi of every row of X (n x d), as an n x r matrix.
  Eigen::MatrixXd apply(const Eigen::Ref<const Eigen::MatrixXd>& X) const;

 private:
  void apply_taylor(const Eigen::MatrixXd& Xs, Eigen::MatrixXd& out) const;

  FeatureKind m_kind;
  Eigen::Index m_d;
  Eigen::Index m_r;
  Eigen::MatrixXd m_omega;
  // Taylor plan: feature f >= 1 is feature m_parent[f] times x'_{m_var[f]} times m_factor[f].
  std::vector<Eigen::Index> m_parent, m_var;
  std::vector<double> m_factor;
};

/// FAVOR+ directions: r rows from N(0, I_d); orthogonal: each block of d rows orthogonalised and
/// given chi(d)-distributed norms (Choromanski et al. 2021, section 2.4).
Eigen::MatrixXd favor_directions(Eigen::Index r, Eigen::Index d, bool orthogonal, std::uint64_t seed);

}  // namespace ntk::core
