#pragma once
// .ntksession files: JSON with a schema version, every parameter (from the parameter table) and
// the view state. Saving is atomic; a bad or newer file is refused with a clear message.

#include "core/params/parameters.h"

#include <QJsonObject>
#include <QString>
#include <optional>

namespace ntk::ui {

inline constexpr int session_schema_version = 1;

/// The window's tabs (MainWindow checks that it has as many).
inline constexpr int session_tabs = 9;

/// The model open in the Heads tab: {"capture": PATH, "prefix": PATH, "kind": "checkpoint"|"cache"}.
struct SessionHeads {
  QString capture, prefix;  ///< the captured attention file; its PEFT folder or KV cache file
  bool checkpoint = true;   ///< prefix is a PEFT prefix-tuning folder, else a KV cache
  /// The head shown in the other tabs ("shown": {"layer", "head"}), -1 for none.
  int shown_layer = -1, shown_head = -1;
  bool operator==(const SessionHeads&) const = default;
};

/// The window state a session keeps beside the parameters: {"tab": 0, "map_columns": "mean",
/// "lesson": 1, "card": 0, "heads": {...}}, every field optional in a file and checked when read.
struct SessionView {
  int tab = 0;                        ///< the open tab, 0 ... session_tabs - 1
  bool map_sum = false;               ///< the maps' prefix columns summed ("sum"), else averaged ("mean")
  int lesson = 0;                     ///< the open lesson's number (1 ... the built-in lessons), 0 for none
  int card = 0;                       ///< that lesson's open card, from 0
  std::optional<SessionHeads> heads;  ///< the Heads tab's model, if one is open
  bool operator==(const SessionView&) const = default;
};

struct Session {
  core::Parameters params;
  SessionView view;
};

/// Sets the values of `values` ({"parameters": {key: value}, "ntk": {key: value}}, values as
/// strings or numbers) on `params` through the parameter tables. Returns the reason of the first
/// bad key or value (and leaves `params` partly set), else an empty string. Shared by sessions
/// and lessons.
QString setParameters(const QJsonObject& values, core::Parameters& params);

/// The JSON text of a session.
QByteArray sessionToJson(const Session& session);

/// Parses session JSON; on failure returns nullopt and sets `error` to what is wrong and what
/// to do. `origin` names the file in messages.
std::optional<Session> sessionFromJson(const QByteArray& json, const QString& origin, QString* error);

/// Writes `bytes` to `path` through a temporary file beside it (QSaveFile): every byte and the
/// commit are checked, so on a full disk or a read-only folder the old file is kept. Returns an
/// empty string on success, else the path and the system's reason. Sessions and exports use it.
QString writeFileAtomic(const QString& path, const QByteArray& bytes);

/// Writes `session` to `path` atomically (temporary file, then rename). Returns an empty
/// string on success, else the reason.
QString saveSession(const QString& path, const Session& session);

/// Reads a session file; nullopt with `error` set on failure.
std::optional<Session> loadSession(const QString& path, QString* error);

}  // namespace ntk::ui
