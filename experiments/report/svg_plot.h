// A small SVG writer for run reports: line charts (loss and accuracy curves), a heat map
// (confusion matrix) and grouped bars (per-class precision / recall / F1). Each function
// returns a complete, self-contained SVG document as text; no library needed to view it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace leuko::cli {

struct Series {
  std::string name;
  std::vector<double> x, y;  // same length; NaN y values are gaps (not drawn)
};

std::string line_chart(const std::string& title, const std::string& x_label,
                       const std::string& y_label, const std::vector<Series>& series);

// counts[row][column]; rows labelled on the left, columns on top; colour by row share.
std::string heat_map(const std::string& title, const std::vector<std::string>& labels,
                     const std::vector<std::vector<int64_t>>& counts, const std::string& row_axis,
                     const std::string& column_axis);

// One group per category, one bar per series within it; values in [0, 1].
std::string grouped_bars(const std::string& title, const std::vector<std::string>& categories,
                         const std::vector<Series>& series);

// Escapes &, <, >, " for SVG and Markdown-embedded HTML text.
std::string xml_escape(const std::string& text);

}  // namespace leuko::cli
