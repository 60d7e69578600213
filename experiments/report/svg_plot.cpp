#include "experiments/report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace leuko::cli {

namespace {

// Colours that stay distinguishable for common colour-vision deficiencies (Okabe-Ito).
const char* const kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"};

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

std::string header(int width, int height, const std::string& title) {
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << " " << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << width / 2 << "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">"
      << xml_escape(title) << "</text>\n";
  return svg.str();
}

// A legend box in the top right corner of the plot area.
std::string legend(const std::vector<Series>& series, double right, double top) {
  std::ostringstream svg;
  for (size_t i = 0; i < series.size(); ++i) {
    const double y = top + 16.0 * static_cast<double>(i);
    svg << "<rect x=\"" << right - 120 << "\" y=\"" << y - 9
        << "\" width=\"12\" height=\"10\" fill=\"" << kPalette[i % 6] << "\"/><text x=\""
        << right - 104 << "\" y=\"" << y << "\">" << xml_escape(series[i].name) << "</text>\n";
  }
  return svg.str();
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string line_chart(const std::string& title, const std::string& x_label,
                       const std::string& y_label, const std::vector<Series>& series) {
  const int width = 560, height = 340;
  const double left = 60, right = width - 20, top = 35, bottom = height - 45;
  double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;
  for (const Series& s : series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (std::isnan(s.y[i])) continue;
      x_min = std::min(x_min, s.x[i]);
      x_max = std::max(x_max, s.x[i]);
      y_min = std::min(y_min, s.y[i]);
      y_max = std::max(y_max, s.y[i]);
    }
  if (!std::isfinite(x_min)) x_min = 0, x_max = 1, y_min = 0, y_max = 1;  // nothing to draw
  if (x_max == x_min) x_max = x_min + 1;
  if (y_max == y_min) y_max = y_min + 1;
  const double pad = 0.05 * (y_max - y_min);  // keep curves off the frame
  y_min -= pad;
  y_max += pad;
  auto px = [&](double x) { return left + (x - x_min) / (x_max - x_min) * (right - left); };
  auto py = [&](double y) { return bottom - (y - y_min) / (y_max - y_min) * (bottom - top); };

  std::ostringstream svg;
  svg << header(width, height, title);
  svg << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << right - left << "\" height=\""
      << bottom - top << "\" fill=\"none\" stroke=\"#444\"/>\n";
  for (int tick = 0; tick <= 4; ++tick) {  // five ticks on each axis, with grid lines
    const double y = y_min + (y_max - y_min) * tick / 4.0;
    const double x = x_min + (x_max - x_min) * tick / 4.0;
    svg << "<line x1=\"" << left << "\" x2=\"" << right << "\" y1=\"" << py(y) << "\" y2=\""
        << py(y) << "\" stroke=\"#ddd\"/><text x=\"" << left - 6 << "\" y=\"" << py(y) + 4
        << "\" text-anchor=\"end\">" << number(y) << "</text>\n"
        << "<text x=\"" << px(x) << "\" y=\"" << bottom + 16 << "\" text-anchor=\"middle\">"
        << number(x) << "</text>\n";
  }
  svg << "<text x=\"" << (left + right) / 2 << "\" y=\"" << height - 8
      << "\" text-anchor=\"middle\">" << xml_escape(x_label) << "</text>\n"
      << "<text transform=\"translate(14," << (top + bottom) / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << xml_escape(y_label) << "</text>\n";
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    std::string points;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (std::isnan(s.y[i])) continue;
      points += number(px(s.x[i])) + "," + number(py(s.y[i])) + " ";
      svg << "<circle cx=\"" << px(s.x[i]) << "\" cy=\"" << py(s.y[i]) << "\" r=\"2.5\" fill=\""
          << kPalette[k % 6] << "\"/>\n";
    }
    svg << "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" << kPalette[k % 6]
        << "\" points=\"" << points << "\"/>\n";
  }
  svg << legend(series, right - 4, top + 16) << "</svg>\n";
  return svg.str();
}

std::string heat_map(const std::string& title, const std::vector<std::string>& labels,
                     const std::vector<std::vector<int64_t>>& counts, const std::string& row_axis,
                     const std::string& column_axis) {
  const int n = static_cast<int>(labels.size());
  const int cell = 56, left = 130, top = 70;
  const int width = left + n * cell + 20, height = top + n * cell + 30;
  std::ostringstream svg;
  svg << header(width, height, title);
  svg << "<text x=\"" << left + n * cell / 2 << "\" y=\"40\" text-anchor=\"middle\">"
      << xml_escape(column_axis) << "</text>\n"
      << "<text x=\"8\" y=\"" << top - 8 << "\">" << xml_escape(row_axis) << " \u2193</text>\n";
  for (int r = 0; r < n; ++r) {
    int64_t row_total = 0;
    for (int64_t v : counts[r]) row_total += v;
    svg << "<text x=\"" << left - 6 << "\" y=\"" << top + r * cell + cell / 2 + 4
        << "\" text-anchor=\"end\">" << xml_escape(labels[r]) << "</text>\n"
        << "<text x=\"" << left + r * cell + cell / 2 << "\" y=\"" << top - 6
        << "\" text-anchor=\"middle\" font-size=\"10\">" << xml_escape(labels[r].substr(0, 8))
        << "</text>\n";
    for (int c = 0; c < n; ++c) {
      // Shade by the share of the true class's samples, so small classes stay readable.
      const double share = row_total > 0 ? static_cast<double>(counts[r][c]) / row_total : 0.0;
      const int shade = static_cast<int>(std::lround(255 - 200 * share));
      svg << "<rect x=\"" << left + c * cell << "\" y=\"" << top + r * cell << "\" width=\"" << cell
          << "\" height=\"" << cell << "\" stroke=\"white\" fill=\"rgb(" << shade << "," << shade
          << ",255)\"/><text x=\"" << left + c * cell + cell / 2 << "\" y=\""
          << top + r * cell + cell / 2 + 4 << "\" text-anchor=\"middle\" fill=\""
          << (share > 0.6 ? "white" : "black") << "\">" << counts[r][c] << "</text>\n";
    }
  }
  svg << "</svg>\n";
  return svg.str();
}

std::string grouped_bars(const std::string& title, const std::vector<std::string>& categories,
                         const std::vector<Series>& series) {
  const int group = 30 + 18 * static_cast<int>(series.size());
  const int left = 50, top = 35, plot_height = 220;
  const int width = left + group * static_cast<int>(categories.size()) + 150;
  const int height = top + plot_height + 40;
  const double bottom = top + plot_height;
  std::ostringstream svg;
  svg << header(width, height, title);
  for (int tick = 0; tick <= 4; ++tick) {
    const double y = bottom - plot_height * tick / 4.0;
    svg << "<line x1=\"" << left << "\" x2=\"" << left + group * categories.size() << "\" y1=\""
        << y << "\" y2=\"" << y << "\" stroke=\"#ddd\"/><text x=\"" << left - 6 << "\" y=\""
        << y + 4 << "\" text-anchor=\"end\">" << number(tick / 4.0) << "</text>\n";
  }
  for (size_t g = 0; g < categories.size(); ++g) {
    const double x0 = left + static_cast<double>(g * group) + 15;
    for (size_t k = 0; k < series.size(); ++k) {
      const double value = std::clamp(series[k].y.at(g), 0.0, 1.0);
      svg << "<rect x=\"" << x0 + 18.0 * k << "\" y=\"" << bottom - value * plot_height
          << "\" width=\"16\" height=\"" << value * plot_height << "\" fill=\"" << kPalette[k % 6]
          << "\"><title>" << xml_escape(series[k].name) << " " << number(value)
          << "</title></rect>\n";
    }
    svg << "<text x=\"" << x0 + 9.0 * series.size() << "\" y=\"" << bottom + 16
        << "\" text-anchor=\"middle\">" << xml_escape(categories[g]) << "</text>\n";
  }
  svg << legend(series, width - 10, top + 16) << "</svg>\n";
  return svg.str();
}

}  // namespace leuko::cli
