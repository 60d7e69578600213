#include "engine/format.h"

#include <cmath>
#include <cstdio>

namespace leuko {

std::string fixed(double value, int digits, const std::string& nan_text) {
  if (std::isnan(value)) return nan_text;
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string grouped(int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace leuko
