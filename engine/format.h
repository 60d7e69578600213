// How numbers are written for people (reports, tables, summaries): one way, used everywhere.
#pragma once

#include <cstdint>
#include <string>

namespace leuko {

// `value` with `digits` decimals ("0.9150"); `nan_text` for a NaN (a number not measured).
std::string fixed(double value, int digits, const std::string& nan_text = "");

// An integer with its thousands grouped, as the spec's tables write counts: "175,533".
std::string grouped(int64_t n);

}  // namespace leuko
