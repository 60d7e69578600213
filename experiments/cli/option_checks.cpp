#include "experiments/cli/option_checks.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/error.h"

namespace leuko::cli {

namespace {

// `text` as a number, or NaN when it is not one (with nothing left over).
double to_number(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return end != text.c_str() && *end == '\0' ? value : std::nan("");
}

std::string shown(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

CLI::Validator in_range(double min, double max) {
  const std::string range = cat("a number from ", shown(min), " to ", shown(max));
  return CLI::Validator(
      [=](std::string& text) {
        const double value = to_number(text);
        // NaN fails both comparisons, so it needs its own test.
        if (std::isfinite(value) && value >= min && value <= max) return std::string();
        return cat("expected ", range, ", got ", text);
      },
      cat("in [", shown(min), ", ", shown(max), "]"));
}

// A finite number above (or from) `min`, with no upper bound.
static CLI::Validator at_least(double min, bool inclusive) {
  const std::string range = cat("a number ", inclusive ? ">= " : "> ", shown(min));
  return CLI::Validator(
      [=](std::string& text) {
        const double value = to_number(text);
        if (std::isfinite(value) && (inclusive ? value >= min : value > min)) return std::string();
        return cat("expected ", range, ", got ", text);
      },
      range);
}

CLI::Validator positive() { return at_least(0, /*inclusive=*/false); }

CLI::Validator non_negative() { return at_least(0, /*inclusive=*/true); }

CLI::Validator seed_check() {
  return CLI::Validator(
      [](std::string& text) {
        const bool digits = !text.empty() && text.size() <= 20 &&
                            text.find_first_not_of("0123456789") == std::string::npos;
        errno = 0;
        if (digits) std::strtoull(text.c_str(), nullptr, 10);
        if (digits && errno == 0) return std::string();
        return cat("expected a whole number from 0 to 2^64 - 1, got ", text);
      },
      "in [0, 2^64 - 1]");
}

CLI::Validator accepted_by(std::function<void(const std::string&)> parse, std::string description) {
  return CLI::Validator(
      [parse](std::string& text) {
        try {
          parse(text);
          return std::string();
        } catch (const Error& e) {
          return std::string(e.what());
        }
      },
      std::move(description));
}

std::pair<int, int> parse_size(const std::string& text) {
  // Each side: digits only, at most 5 of them, so nothing can overflow before the range test.
  const auto side = [](const std::string& digits, int& value) {
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      return false;
    value = std::stoi(digits);
    return value >= kMinSide && value <= kMaxSide;
  };
  const size_t x = text.find('x');
  int height = 0, width = 0;
  if (side(text.substr(0, x), height) &&
      side(x == std::string::npos ? text : text.substr(x + 1), width))
    return {height, width};
  throw Error(
      cat("expected N or HxW with sides from ", kMinSide, " to ", kMaxSide, ", got ", text));
}

}  // namespace leuko::cli
