#include "ui/session/session_file.h"

#include "ui/lessons/lessons.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>
#include <cmath>

namespace ntk::ui {

namespace {

QJsonObject tableToJson(const core::Parameters& p, std::span<const core::ParamSpec> table) {
  QJsonObject out;
  for (const core::ParamSpec& s : table)
    out.insert(QString::fromUtf8(s.key.data(), qsizetype(s.key.size())), QString::fromStdString(s.get(p)));
  return out;
}

// Sets the entries of `values` through `table`; returns the reason of the first bad one.
QString tableFromJson(const QJsonObject& values, std::span<const core::ParamSpec> table, core::Parameters& p) {
  for (auto it = values.begin(); it != values.end(); ++it) {
    const QJsonValue v = it.value();
    const QString text = v.isDouble() ? QString::number(v.toDouble(), 'g', 17)
                         : v.isBool() ? QString(v.toBool() ? "true" : "false")
                                      : v.toString();
    try {
      const core::ParamSpec& spec = core::parameter_spec(it.key().toStdString(), table);
      // JSON numbers are doubles: past 2^53 an integer may already have been rounded (a seed of
      // 2^53 + 1 arrives as 2^53), so such an integer is refused rather than silently changed.
      // A real value (a scale of 1e308) goes to its range check.
      if (spec.type == core::ParamType::integer && v.isDouble() && std::abs(v.toDouble()) >= 9007199254740992.0)
        return QObject::tr("\"%1\": %2 is past 2^53, where JSON numbers lose integers; write it as a string")
            .arg(it.key())
            .arg(v.toDouble(), 0, 'g', 17);
      spec.set(p, text.toStdString());
    } catch (const std::invalid_argument& e) {
      return QString::fromUtf8(e.what());
    }
  }
  return {};
}

QJsonObject viewToJson(const SessionView& view) {
  QJsonObject out;
  out.insert("tab", view.tab);
  out.insert("map_columns", view.map_sum ? "sum" : "mean");
  if (view.lesson > 0) {
    out.insert("lesson", view.lesson);
    out.insert("card", view.card);
  }
  if (view.heads) {
    QJsonObject heads{{"capture", view.heads->capture},
                      {"prefix", view.heads->prefix},
                      {"kind", view.heads->checkpoint ? "checkpoint" : "cache"}};
    if (view.heads->shown_layer >= 0)
      heads.insert("shown", QJsonObject{{"layer", view.heads->shown_layer}, {"head", view.heads->shown_head}});
    out.insert("heads", heads);
  }
  return out;
}

// The "view" section's "heads": both paths as non-empty strings and the prefix's kind.
QString headsFromJson(const QJsonValue& value, SessionView& view) {
  const QString what = QObject::tr(
      "\"view\": \"heads\" must be {\"capture\": PATH, \"prefix\": PATH, \"kind\": \"checkpoint\" or "
      "\"cache\"} (and optionally \"shown\": {\"layer\": L, \"head\": H}, counted from 0)");
  if (!value.isObject()) return what;
  const QJsonObject heads = value.toObject();
  const QJsonValue capture = heads.value("capture"), prefix = heads.value("prefix"), kind = heads.value("kind");
  if (!capture.isString() || capture.toString().isEmpty() || !prefix.isString() || prefix.toString().isEmpty() ||
      (kind.toString() != "checkpoint" && kind.toString() != "cache"))
    return what;
  view.heads = SessionHeads{capture.toString(), prefix.toString(), kind.toString() == "checkpoint"};
  if (heads.contains("shown")) {
    const QJsonObject shown = heads.value("shown").toObject();
    const auto index = [&](const char* key) {
      const QJsonValue v = shown.value(key);
      return v.isDouble() && v.toDouble() == std::floor(v.toDouble()) && v.toDouble() >= 0 && v.toDouble() < 1e6
                 ? v.toInt()
                 : -1;
    };
    view.heads->shown_layer = index("layer");
    view.heads->shown_head = index("head");
    if (view.heads->shown_layer < 0 || view.heads->shown_head < 0) return what;
  }
  return {};
}

// The "view" section, checked field by field; returns the reason of the first bad one.
QString viewFromJson(const QJsonObject& values, SessionView& view) {
  const auto integer = [&](const char* key, int lo, int hi, const QString& what, int& out) -> QString {
    if (!values.contains(key)) return {};
    const QJsonValue v = values.value(key);
    if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble()) || v.toDouble() < lo || v.toDouble() > hi)
      return QObject::tr("\"view\": \"%1\" must be %2, an integer from %3 to %4").arg(key, what).arg(lo).arg(hi);
    out = v.toInt();
    return {};
  };
  if (QString why = integer("tab", 0, session_tabs - 1, QObject::tr("a tab"), view.tab); !why.isEmpty()) return why;
  if (values.contains("map_columns")) {
    const QString columns = values.value("map_columns").toString();
    if (columns != "sum" && columns != "mean")
      return QObject::tr("\"view\": \"map_columns\" must be \"sum\" or \"mean\"");
    view.map_sum = columns == "sum";
  }
  const int lessons = int(builtinLessons().size());
  if (QString why = integer("lesson", 0, lessons, QObject::tr("a lesson (0 for none)"), view.lesson); !why.isEmpty())
    return why;
  const int cards = view.lesson > 0 ? cardCount(view.lesson) : 1;
  if (QString why = integer("card", 0, cards - 1, QObject::tr("a card of that lesson, counted from 0"), view.card);
      !why.isEmpty())
    return why;
  return values.contains("heads") ? headsFromJson(values.value("heads"), view) : QString();
}

}  // namespace

QString setParameters(const QJsonObject& values, core::Parameters& params) {
  for (const auto& [key, table] :
       {std::pair{"parameters", core::parameter_specs()}, std::pair{"ntk", core::ntk_parameter_specs()}}) {
    if (!values.contains(key)) continue;
    if (!values.value(key).isObject())
      return QObject::tr("the section \"%1\" must be an object of settings ({\"key\": value, ...})").arg(key);
    if (QString why = tableFromJson(values.value(key).toObject(), table, params); !why.isEmpty()) return why;
  }
  return {};
}

QByteArray sessionToJson(const Session& session) {
  QJsonObject root;
  root.insert("format", "ntk-explorer session");
  root.insert("schema_version", session_schema_version);
  root.insert("parameters", tableToJson(session.params, core::parameter_specs()));
  root.insert("ntk", tableToJson(session.params, core::ntk_parameter_specs()));
  root.insert("view", viewToJson(session.view));
  return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

std::optional<Session> sessionFromJson(const QByteArray& json, const QString& origin, QString* error) {
  QJsonParseError parse{};
  const QJsonDocument doc = QJsonDocument::fromJson(json, &parse);
  auto fail = [&](const QString& why) -> std::optional<Session> {
    *error = QObject::tr("%1: %2").arg(origin, why);
    return std::nullopt;
  };
  if (doc.isNull()) return fail(QObject::tr("not a session file (JSON error: %1)").arg(parse.errorString()));
  if (!doc.isObject()) return fail(QObject::tr("not a session file (its root is not a JSON object)"));
  const QJsonObject root = doc.object();
  if (root.value("format").toString() != "ntk-explorer session")
    return fail(QObject::tr("not an ntk-explorer session file"));
  const int version = root.value("schema_version").toInt(-1);
  if (version > session_schema_version)
    return fail(QObject::tr("made by a newer ntk-explorer (schema %1; this one reads up to %2); "
                            "update ntk-explorer to open it")
                    .arg(version)
                    .arg(session_schema_version));
  if (version < 1) return fail(QObject::tr("has no valid schema_version"));
  if (root.contains("view") && !root.value("view").isObject())
    return fail(QObject::tr("the section \"view\" must be an object ({\"tab\": 0, ...})"));
  Session session{core::default_parameters(), {}};
  if (const QString why = viewFromJson(root.value("view").toObject(), session.view); !why.isEmpty()) return fail(why);
  if (const QString why = setParameters(root, session.params); !why.isEmpty()) return fail(why);
  try {
    core::validate(session.params);
  } catch (const std::invalid_argument& e) {
    return fail(QString::fromUtf8(e.what()));
  }
  return session;
}

QString writeFileAtomic(const QString& path, const QByteArray& bytes) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return QObject::tr("cannot write %1: %2").arg(path, file.errorString());
  // A short write (a full disk) must not be committed over the old file.
  if (file.write(bytes) != bytes.size() || !file.flush()) {
    const QString why = file.errorString();
    file.cancelWriting();
    return QObject::tr("cannot write %1: %2; the old file is kept").arg(path, why);
  }
  if (!file.commit()) return QObject::tr("cannot write %1: %2; the old file is kept").arg(path, file.errorString());
  return {};
}

QString saveSession(const QString& path, const Session& session) {
  return writeFileAtomic(path, sessionToJson(session));
}

std::optional<Session> loadSession(const QString& path, QString* error) {
  // Regular files only, checked before opening: a FIFO would block and a device never ends.
  if (const QFileInfo info(path); info.exists() && !info.isFile()) {
    *error = QObject::tr("%1 is not a regular file (a directory, device or FIFO); open a .ntksession file").arg(path);
    return std::nullopt;
  }
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    *error = QObject::tr("cannot open %1: %2").arg(path, file.errorString());
    return std::nullopt;
  }
  if (file.size() > (1 << 20)) {
    *error = QObject::tr("%1 is larger than any session file (1 MB)").arg(path);
    return std::nullopt;
  }
  return sessionFromJson(file.readAll(), path, error);
}

}  // namespace ntk::ui
