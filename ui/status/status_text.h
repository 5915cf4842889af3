#pragma once
// The window's status line for each tab, as text built from results alone (no widgets), so that
// each sentence can be tested against the numbers it quotes.

#include "core/pipeline/comparison.h"
#include "ui/compute/compute_controller.h"
#include "ui/compute/ntk_controller.h"

#include <QString>

namespace ntk::ui {

/// A shown comparison: r, its errors, the prefix share, the precision (with the gap to `other`,
/// the last result of the other precision, when it has the same parameters) and the timings; or
/// why NTK-Attention failed, and any degeneracy warning.
QString comparisonStatus(const core::Comparison& c, const core::Comparison* other);

/// The Infinite-limit tab: exact attention's distance to its limit, and the slope fitted over the
/// m series when `series` (nullable) is of the same m.
QString limitStatus(const core::Comparison& shown, const ScalingSeries* series);

/// The NTK tab: the two spectra's smallest eigenvalues, H*'s condition and the distance.
QString ntkStatus(const core::NtkView& view);

/// The Training tab: the last step's loss and movement and the mean contraction per step so far
/// against the NTK's prediction at this m; a prompt before the first step.
QString trainingStatus(const TrainingState* state);

}  // namespace ntk::ui
