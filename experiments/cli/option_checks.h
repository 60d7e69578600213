// The checks the subcommands' options share, run by CLI11 while it parses, so that a wrong
// value is a usage error (one line, exit code 2) before any work starts. Every number gets a
// human range (messages quote the bounds, never a double's 300-digit maximum) and must be
// finite: CLI11's own Range lets NaN through.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <utility>

namespace leuko::cli {

// The ranges. Also applied to what a checkpoint's run config asks for (checkpoint_model.cpp),
// which comes from a file and so is no more trusted than a flag.
inline constexpr int kMaxWorkers = 64;
inline constexpr int64_t kMaxBatch = 4096;
inline constexpr int64_t kMaxEpochs = 100000;
inline constexpr int kMinSide = 8, kMaxSide = 4096;  // --size, in pixels

// A finite number from `min` to `max` (both inclusive).
CLI::Validator in_range(double min, double max);
// A finite number > 0.
CLI::Validator positive();
// A finite number >= 0.
CLI::Validator non_negative();
// A whole number from 0 to 2^64 - 1 (a seed; CLI11 would turn -1 into 2^64 - 1).
CLI::Validator seed_check();
// A value that `parse` accepts; its leuko::Error message becomes the usage error.
CLI::Validator accepted_by(std::function<void(const std::string&)> parse, std::string description);

// "224" or "320x240" (height x width), sides from kMinSide to kMaxSide; else a leuko::Error.
std::pair<int, int> parse_size(const std::string& text);

}  // namespace leuko::cli
