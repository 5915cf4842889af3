#include "ui/lessons/lessons.h"

#include "ui/session/session_file.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <stdexcept>

namespace ntk::ui {
namespace {

QStringList strings(const QJsonValue& value) {
  QStringList out;
  for (const QJsonValue v : value.toArray()) out << v.toString();
  return out;
}

// Empty when every key names a parameter of `table`, else the first unknown one.
QString unknownKey(const QStringList& keys, std::span<const core::ParamSpec> table) {
  for (const QString& key : keys) {
    try {
      core::parameter_spec(key.toStdString(), table);
    } catch (const std::invalid_argument& e) {
      return QString::fromUtf8(e.what());
    }
  }
  return {};
}

// Applies `set` and validates; the reason on failure.
QString applyChecked(const QJsonObject& set, core::Parameters& p) {
  if (QString why = setParameters(set, p); !why.isEmpty()) return why;
  try {
    core::validate(p);
  } catch (const std::invalid_argument& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

}  // namespace

std::optional<LessonHead> lessonHead(const QJsonObject& o) {
  if (!o.contains("head")) return std::nullopt;
  const QJsonObject h = o.value("head").toObject();
  const auto index = [&h](const char* key) {
    const QJsonValue v = h.value(key);
    if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() != double(qint64(v.toDouble())))
      throw std::invalid_argument(std::string("\"head\" needs {\"layer\": L, \"head\": H} with whole numbers >= 0 (") +
                                  key + ")");
    return qint64(v.toDouble());
  };
  return LessonHead{index("layer"), index("head")};
}

std::optional<std::vector<Lesson>> lessonsFromJson(const QByteArray& json, QString* error) {
  QJsonParseError parse{};
  const QJsonDocument doc = QJsonDocument::fromJson(json, &parse);
  if (doc.isNull() || doc.object().value("format").toString() != "ntk-explorer lessons") {
    *error = QObject::tr("not a lessons file (%1)").arg(parse.errorString());
    return std::nullopt;
  }
  std::vector<Lesson> lessons;
  for (const QJsonValue entry : doc.object().value("lessons").toArray()) {
    const QJsonObject o = entry.toObject();
    Lesson lesson{int(lessons.size()) + 1,
                  o.value("title").toString(),
                  o.value("preset").toObject(),
                  strings(o.value("free").toObject().value("parameters")),
                  strings(o.value("free").toObject().value("ntk")),
                  {}};
    auto fail = [&](const QString& where, const QString& why) {
      *error = QObject::tr("lesson %1%2: %3").arg(lesson.number).arg(where, why);
      return std::nullopt;
    };
    QString why = unknownKey(lesson.free, core::parameter_specs());
    if (why.isEmpty()) why = unknownKey(lesson.freeNtk, core::ntk_parameter_specs());
    core::Parameters p = core::default_parameters();
    if (why.isEmpty()) why = applyChecked(lesson.preset, p);
    if (!why.isEmpty()) return fail({}, why);
    for (const QJsonValue c : o.value("cards").toArray()) {
      const QJsonObject card = c.toObject();
      const QString where = QObject::tr(", card %1").arg(lesson.cards.size() + 1);
      std::optional<LessonHead> head;
      try {
        head = lessonHead(card);
        for (const QJsonValue q : card.value("quotes").toArray()) lessonHead(q.toObject());
      } catch (const std::invalid_argument& e) {
        return fail(where, QString::fromUtf8(e.what()));
      }
      lesson.cards.push_back({card.value("title").toString(), card.value("set").toObject(),
                              card.value("plot").toString(), card.value("text").toString(),
                              card.value("question").toString(), card.value("answer").toString(),
                              card.value("train").toBool(), card.value("quotes").toArray(), head});
      if (lesson.title.isEmpty() || lesson.cards.back().text.isEmpty() || lesson.cards.back().question.isEmpty())
        return fail(where, QObject::tr("a lesson needs a title, a card a text and a question"));
      if (const QString bad = applyChecked(lesson.cards.back().set, p); !bad.isEmpty()) return fail(where, bad);
    }
    if (lesson.cards.empty()) return fail({}, QObject::tr("has no cards"));
    lessons.push_back(std::move(lesson));
  }
  return lessons;
}

int cardCount(int number) {
  const std::vector<Lesson>& lessons = builtinLessons();
  return number >= 1 && number <= int(lessons.size()) ? int(lessons[std::size_t(number - 1)].cards.size()) : 0;
}

core::Parameters cardParameters(const Lesson& lesson, int card) {
  if (card < 0 || card >= int(lesson.cards.size()))
    throw std::invalid_argument("lesson " + std::to_string(lesson.number) + " has cards 1 to " +
                                std::to_string(lesson.cards.size()));
  core::Parameters p = core::default_parameters();
  setParameters(lesson.preset, p);
  for (int i = 0; i <= card; ++i) setParameters(lesson.cards[std::size_t(i)].set, p);
  return p;
}

QByteArray builtinLessonsJson() {
  QFile file(":/lessons.json");
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

const std::vector<Lesson>& builtinLessons() {
  static const std::vector<Lesson> lessons = [] {
    QString error;
    std::optional<std::vector<Lesson>> parsed = lessonsFromJson(builtinLessonsJson(), &error);
    if (!parsed) qWarning("built-in lessons: %s", qPrintable(error));
    return parsed.value_or(std::vector<Lesson>{});
  }();
  return lessons;
}

}  // namespace ntk::ui
