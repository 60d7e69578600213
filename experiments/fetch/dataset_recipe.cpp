#include "experiments/fetch/dataset_recipe.h"

#include <algorithm>

#include "engine/error.h"

namespace leuko::fetch {

std::vector<DatasetRecipe> all_recipes() {
  return {pbc_recipe(), segwbc_recipe(), idc_recipe(), monuseg_recipe()};
}

std::vector<SourceFile> files_in(const std::vector<SourceFile>& files, const std::string& folder) {
  std::vector<SourceFile> found;
  for (const SourceFile& file : files) {
    if (file.folder == folder) found.push_back(file);
  }
  std::sort(found.begin(), found.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.name < b.name; });
  return found;
}

LayoutProgress::LayoutProgress(const std::string& dataset, int64_t images)
    : progress_(dataset + ": lay out", images), total_(images) {}

void LayoutProgress::image_done() {
  ++done_;
  progress_.update(done_, cat(done_, " / ", total_, " images"));
}

void LayoutProgress::finish() { progress_.finish(cat(done_, " images written")); }

}  // namespace leuko::fetch
