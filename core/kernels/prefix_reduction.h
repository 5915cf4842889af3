#pragma once
// The one pass over a prefix that exact attention, the compression into Z and k, and the
// attention maps share (method.md sections 2 and 3). The prefix is cut into segments of
// prefix_segment_rows rows, a constant: the layout never depends on m or on the thread count.
// Each segment is streamed chunk by chunk; each chunk is drawn (or read) once and handed to every
// consumer, and the consumers' per-segment partials are folded left to right in segment order.
// So every thread count gives the same bits, and the fold of the first k segments is the same
// whatever m is: PrefixFoldCache keeps those folds (for the first 16 segments, then 8 per octave,
// and the pass's last), so that a change of m computes only the segments past the nearest fold
// and still gives the bits of a computation from scratch.

#include "core/kernels/chunk_sharing.h"
#include "core/kernels/fold_cache.h"
#include "core/kernels/prefix_consumer.h"
#include "core/util/progress.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <memory>
#include <vector>

namespace ntk::core {

inline constexpr Eigen::Index prefix_chunk_rows = 256;     ///< rows drawn and consumed at once
inline constexpr Eigen::Index prefix_segment_rows = 2048;  ///< rows per segment (8 chunks)

struct PrefixPass {
  std::vector<std::unique_ptr<PrefixPartial>> totals;  ///< per consumer: the fold of all m rows
  Status status = Status::ok;
  Eigen::Index rows_read = 0;    ///< rows drawn or read by this pass (m when nothing was cached)
  Eigen::Index reused_rows = 0;  ///< rows the cached folds covered, for the consumer that reused least
};

/// Runs `consumers` over every row of `prefix` in one pass. With a cache, each consumer with a
/// key starts from its longest cached fold and the pass stores some of the folds it makes (all
/// of the first 16 segments, then 8 per octave, and the fold of its last whole segment). `progress`
/// counts rows read; when it stops the pass, the status is cancelled and the totals are empty.
PrefixPass reduce_prefix(const PrefixSource& prefix, const std::vector<const PrefixConsumer*>& consumers,
                         const Progress& progress = {}, PrefixFoldCache* cache = nullptr);

}  // namespace ntk::core
