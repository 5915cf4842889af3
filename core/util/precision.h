#pragma once
// The arithmetic of the prefix work (method.md section 2, "float32"): float64 throughout, or
// float32 for the O(m) products and exponentials with every fold across chunks in float64.

#include <string_view>

namespace ntk::core {

enum class Precision { float64, float32 };

inline std::string_view to_string(Precision p) { return p == Precision::float32 ? "float32" : "float64"; }

}  // namespace ntk::core
