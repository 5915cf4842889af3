#pragma once
// Process-wide allocator settings the program starts with (and the benchmarks that stand for it).

namespace ntk::core {

/// Keeps freed blocks of up to 32 MB (feature matrices, score chunks, a kept prefix) in the heap
/// instead of returning them to the kernel: a recomputation then reuses pages instead of
/// faulting them in again, which on virtual machines costs more than the arithmetic.
void keep_freed_memory();

}  // namespace ntk::core
