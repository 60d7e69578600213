// `leuko data fetch`'s work for one dataset: DIR/<name> is filled from the recipe's source,
// resumably. While it runs, DIR/<name>/.leuko-fetch/ holds the downloads (source/) and the
// layout being written (layout/); the layout moves into DIR/<name> only when complete, and
// a file `complete` then marks the folder done (the downloads are deleted). A rerun of a
// complete fetch does nothing; a rerun of a stopped one keeps every verified download.
#pragma once

#include <filesystem>

#include "experiments/fetch/dataset_recipe.h"
#include "experiments/fetch/github_source.h"

namespace leuko::fetch {

void fetch_dataset(const DatasetRecipe& recipe, const std::filesystem::path& root,
                   const SourceServers& servers);

}  // namespace leuko::fetch
