#pragma once
// File > Export all: every plot of the window and what reproduces them, in one folder.

#include "core/params/parameters.h"

#include <QList>
#include <QString>

class QCustomPlot;

namespace ntk::ui {

/// Writes into `folder` (made when missing) each plot as PNG, SVG, PDF and CSV under its object name
/// (a hidden tab's plot at a fixed, legible size), the session of `shown` (session.ntksession),
/// the command line that computes it (command.txt) and provenance.json (this program's own
/// arguments). Returns an empty string, or the first error.
QString exportBundle(const QString& folder, const QList<QCustomPlot*>& plots, const core::Parameters& shown);

}  // namespace ntk::ui
