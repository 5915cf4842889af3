#include "ui/plots/color_maps.h"

namespace ntk::ui {

QCPColorGradient viridis() {
  QCPColorGradient g;
  g.clearColorStops();
  const char* stops[] = {"#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c",
                         "#28ae80", "#5ec962", "#addc30", "#fde725"};
  for (int i = 0; i < 9; ++i) g.setColorStopAt(i / 8.0, QColor(stops[i]));
  return g;
}

QCPColorGradient purple_orange() {
  QCPColorGradient g;
  g.clearColorStops();
  const char* stops[] = {"#542788", "#998ec3", "#f7f7f7", "#f1a340", "#b35806"};
  for (int i = 0; i < 5; ++i) g.setColorStopAt(i / 4.0, QColor(stops[i]));
  return g;
}

}  // namespace ntk::ui
