#pragma once
// A lesson as handouts for a class: DIR/lesson-N.pdf, one A4 page per card (its title, text and
// question, the plot it points at at print resolution, and a footer with the commands that
// reproduce it), and DIR/lesson-N-answers.pdf (each card's question and the answer stored with
// it, for the teacher).

#include <QString>
#include <functional>

namespace ntk::ui {

/// The two files writeHandout writes into `folder`.
QString handoutPath(const QString& folder, int lesson);
QString answersPath(const QString& folder, int lesson);

/// Computes every card of built-in lesson `lesson` (1-based) to the end, as a --screenshot run
/// waits, on figures of its own drawn off screen (ui/figures/figure_set.h: the window's plots,
/// without a window), and writes both PDFs into `folder` (created if needed; each file appears
/// only when complete). Needs a running event loop. Calls `done` once, with an empty string or
/// what went wrong (a card whose settings are refused, a folder that cannot be written).
void writeHandout(int lesson, const QString& folder, std::function<void(const QString&)> done);

}  // namespace ntk::ui
