#include "engine/data/data_root.h"

#include <cstdlib>
#include <numeric>

#include "engine/data/image_folder.h"
#include "engine/data/subsets.h"
#include "engine/error.h"

namespace leuko::data {
namespace fs = std::filesystem;

fs::path resolve_data_root(const std::string& cli_value) {
  std::string value = cli_value;
  const char* origin = "--data";
  if (value.empty()) {
    const char* env = std::getenv("LEUKO_DATA");
    if (env == nullptr || *env == '\0') return {};
    value = env;
    origin = "LEUKO_DATA";
  }
  const fs::path root(value);
  LEUKO_CHECK(fs::is_directory(root), "data root ", root.string(), " (from ", origin,
              "): not an existing folder (expected a folder holding e.g. pbc/ and segwbc/)");
  return root;
}

WbcSubsetCounts wbc_subset_counts(const fs::path& root) {
  const Dataset train = scan_image_folder(root / "pbc" / "train");
  WbcSubsetCounts table;
  table.classes = train.classes;
  table.fractions = {0.01, 0.1, 0.5, 1.0};
  for (double p : table.fractions) {
    table.counts.push_back(stratified_counts(train.class_counts(), p));
    table.totals.push_back(
        std::accumulate(table.counts.back().begin(), table.counts.back().end(), int64_t{0}));
  }
  return table;
}

}  // namespace leuko::data
