// Where the real data lives. The CLI's `--data DIR` wins; otherwise the LEUKO_DATA
// environment variable; otherwise there is no data root and callers fall back to the
// synthetic generator (engine/data/synthetic.h). Also the WBC-1/10/50/100 subset table.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace leuko::data {

// The data root from `cli_value` (if not empty) or LEUKO_DATA (if set), checked to be an
// existing folder; an empty path when neither is given.
std::filesystem::path resolve_data_root(const std::string& cli_value = "");

// The WBC-p training subsets drawn from <root>/pbc/train: floor(p * N_c) images per class
// for p = 1%, 10%, 50%, 100% (only files are counted, nothing is decoded).
struct WbcSubsetCounts {
  std::vector<std::string> classes;
  std::vector<double> fractions;             // 0.01, 0.1, 0.5, 1.0
  std::vector<std::vector<int64_t>> counts;  // [fraction][class]
  std::vector<int64_t> totals;               // per fraction
};
WbcSubsetCounts wbc_subset_counts(const std::filesystem::path& root);

}  // namespace leuko::data
