#pragma once
// File > Open recent: the sessions last opened or saved, kept across runs in QSettings.

#include <QString>
#include <QStringList>

namespace ntk::ui {

inline constexpr int recent_files_kept = 8;

/// The remembered sessions, newest first, as absolute paths.
QStringList recentFiles();

/// Puts `path` (made absolute, so that it is found when the program starts elsewhere) first,
/// once, and keeps the newest recent_files_kept.
void rememberRecentFile(const QString& path);

}  // namespace ntk::ui
