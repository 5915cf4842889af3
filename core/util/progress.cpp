#include "core/util/progress.h"

namespace ntk::core {

const char* to_string(Status status) {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::cancelled:
      return "cancelled";
    case Status::non_positive_denominator:
      return "non-positive denominator";
    case Status::not_finite:
      return "not finite";
    case Status::ill_conditioned_denominator:
      return "ill-conditioned denominator";
    case Status::not_converged:
      return "not converged";
  }
  return "unknown";
}

}  // namespace ntk::core
