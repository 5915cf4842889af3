#pragma once
// The numbered lessons (resources/lessons.json): each a preset and a short sequence of cards.
// A card sets parameters, points at a plot, says what to notice and asks one question; a lesson
// names the controls students may still change.

#include "core/params/parameters.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

namespace ntk::ui {

/// A head of the built-in tiny model (ui/lessons/tiny_model.h) that a card shows in every tab.
struct LessonHead {
  qint64 layer = 0, head = 0;
};

struct LessonCard {
  QString title;
  QJsonObject set;     ///< {"parameters": {...}, "ntk": {...}}: applied on top of the cards before it
  QString plot;        ///< objectName of the plot the card points at (MainWindow::plots())
  QString text;        ///< what to notice (rich text)
  QString question;    ///< one question for the class
  QString answer;      ///< for the teacher: the handout's answer sheet (rich text; may be empty)
  bool train = false;  ///< the card plays the training run to its end
  /// The numbers the text, question or answer quote, each with the quantity it claims, so that
  /// `ntk-explorer lessons --check` can recompute them: [{"value": "0.996", "quantity":
  /// "compare.prefix_mass_mean", "set": {...}}] ("set" on top of the card's parameters).
  QJsonArray quotes;
  /// {"layer": L, "head": H}: the card compares that head of the built-in tiny model on its own
  /// arrays (its sizes replace the card's); a quote can name another ("head" beside its "set").
  std::optional<LessonHead> head;
};

/// The "head" member of a card or a quote: none when absent; throws std::invalid_argument unless
/// it is {"layer": L, "head": H} with whole numbers L, H >= 0.
std::optional<LessonHead> lessonHead(const QJsonObject& o);

struct Lesson {
  int number = 0;  ///< 1-based
  QString title;
  QJsonObject preset;   ///< like LessonCard::set, on top of the defaults
  QStringList free;     ///< comparison keys students may change while the lesson locks the rest
  QStringList freeNtk;  ///< NTK-view keys students may change
  std::vector<LessonCard> cards;
};

/// Parses lessons JSON ({"format": "ntk-explorer lessons", "lessons": [...]}) and checks every
/// card: its parameters apply and validate, and the free keys exist. (That each card's plot
/// exists is the window's business, and its tests'.) On failure returns nullopt and sets `error`
/// to the lesson, card and reason.
std::optional<std::vector<Lesson>> lessonsFromJson(const QByteArray& json, QString* error);

/// The parameters card `card` (0-based) shows: the defaults, the preset, then the settings of
/// cards 0..card in order (so any card can be opened directly). The lessons are checked when
/// parsed; throws std::invalid_argument for a card out of range.
core::Parameters cardParameters(const Lesson& lesson, int card);

/// The text of the lessons built into the program (resources/lessons.json).
QByteArray builtinLessonsJson();

/// The built-in lessons, parsed once (empty, with a warning on stderr, if they do not parse:
/// a bug the tests catch).
const std::vector<Lesson>& builtinLessons();

/// The number of cards of built-in lesson `number` (1 ... builtinLessons().size()), else 0.
int cardCount(int number);

}  // namespace ntk::ui
