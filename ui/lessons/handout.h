#pragma once
// A lesson as handouts for a class: DIR/lesson-N.pdf, one A4 page per card (its title, text and
// question, the plot it points at at print resolution, and a footer with the commands that
// reproduce it), and DIR/lesson-N-answers.pdf (each card's question and the answer stored with
// it, for the teacher).

#include <QString>
#include <functional>

namespace ntk::ui {

class MainWindow;

/// The two files writeHandout writes into `folder`.
QString handoutPath(const QString& folder, int lesson);
QString answersPath(const QString& folder, int lesson);

/// Drives `window` through the cards of built-in lesson `lesson` (1-based), each computed to the
/// end as a --screenshot run waits, and writes both PDFs into `folder` (created if needed; each
/// file appears only when complete). Calls `done` once, with an empty string or what went wrong
/// (a card whose settings are refused, a folder that cannot be written).
void writeHandout(MainWindow* window, int lesson, const QString& folder, std::function<void(const QString&)> done);

}  // namespace ntk::ui
