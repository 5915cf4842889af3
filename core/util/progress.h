#pragma once
// One callable for progress and cancellation, shared by the command line and the window.

#include <cstdint>
#include <functional>

namespace ntk::core {

/// Called with (units done, units in total); returning false asks the computation to stop.
/// It may be called from any worker thread, but never from two at once.
using Progress = std::function<bool(std::int64_t done, std::int64_t total)>;

/// A numerical outcome is a status in the result, not an exception.
enum class Status {
  ok,
  cancelled,                    ///< the Progress callable returned false
  non_positive_denominator,     ///< NTK-Attention's D_ii <= 0 for some row (odd Taylor degree)
  not_finite,                   ///< an overflow produced inf or NaN
  ill_conditioned_denominator,  ///< D_ii > 0 but below 1e-6 of the magnitude of its terms (method.md 3)
  not_converged,                ///< an iterative eigensolver stopped before its tolerance
};

const char* to_string(Status status);

}  // namespace ntk::core
