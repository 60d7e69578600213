// A data recipe: how one stand-in dataset of ../shared/data is made from its public source.
// Its pins say which repository, commit and folders (by tree id) it comes from; `select`
// picks the listed files it needs, and `lay_out` turns the downloaded files into the layout
// the studies read (crops, resizes, re-encoding, renames, splits), as the dataset's
// SOURCE.md documents.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "experiments/fetch/github_source.h"
#include "experiments/training/progress.h"

namespace leuko::fetch {

struct DatasetRecipe {
  std::string name;     // the folder it fills: <DIR>/<name>
  std::string summary;  // one line for --help
  SourcePins pins;
  std::function<std::vector<SourceFile>(const std::vector<SourceFile>& listed)> select;
  // Reads the selected files under `sources` (at their repository paths), writes under `out`.
  // It is given the whole listing, not just the selection: pbc's split is drawn over every
  // file of a class, the held-out ones (never downloaded) included.
  std::function<void(const std::vector<SourceFile>& listed, const std::filesystem::path& sources,
                     const std::filesystem::path& out)>
      lay_out;
};

DatasetRecipe pbc_recipe();
DatasetRecipe idc_recipe();
DatasetRecipe segwbc_recipe();
DatasetRecipe monuseg_recipe();

// Every recipe, in the order --help lists them.
std::vector<DatasetRecipe> all_recipes();

// The files listed in `folder`, sorted by name.
std::vector<SourceFile> files_in(const std::vector<SourceFile>& files, const std::string& folder);

// A progress bar over the images a recipe writes.
class LayoutProgress {
 public:
  LayoutProgress(const std::string& dataset, int64_t images);
  void image_done();
  void finish();

 private:
  cli::Progress progress_;
  int64_t done_ = 0, total_;
};

}  // namespace leuko::fetch
