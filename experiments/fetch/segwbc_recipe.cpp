// segwbc: Zheng et al.'s 400 WBC images with nucleus/cytoplasm masks, as
// ../shared/data/segwbc/SOURCE.md describes it: each <NNN>.bmp image saved as an RGB PNG
// (lossless: the pixels are the source's), each <NNN>.png mask re-saved as an 8-bit grey
// PNG (values 0/128/255 kept), both sorted into class folders by the label CSVs
// (1..5 = neutrophil, lymphocyte, monocyte, eosinophil, basophil). The PNG bytes differ
// from the shared copy's (another encoder); the decoded pixels are the same.
#include <fstream>
#include <sstream>

#include "engine/data/image.h"
#include "engine/error.h"
#include "experiments/fetch/dataset_recipe.h"

namespace leuko::fetch {

namespace {

namespace fs = std::filesystem;

struct SourceDataset {
  const char* folder;      // images and masks, side by side
  const char* label_file;  // "image ID,class label" lines
  const char* split;       // the name of the domain in the layout
};

constexpr SourceDataset kDatasets[] = {{"Dataset 1", "Class Labels of Dataset 1.csv", "dataset1"},
                                       {"Dataset 2", "Class Labels of Dataset 2.csv", "dataset2"}};

constexpr const char* kClassByLabel[] = {"neutrophil", "lymphocyte", "monocyte", "eosinophil",
                                         "basophil"};

// (stem "NNN", class name) for every line after the header.
std::vector<std::pair<std::string, std::string>> read_labels(const fs::path& csv) {
  std::ifstream in(csv);
  LEUKO_CHECK(in.good(), csv.string(), ": cannot open the label file");
  std::vector<std::pair<std::string, std::string>> labels;
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \r") == std::string::npos) continue;
    int id = 0, label = 0;
    char comma = 0;
    std::istringstream fields(line);
    LEUKO_CHECK((fields >> id >> comma >> label) && comma == ',' && label >= 1 && label <= 5,
                csv.string(), ": expected 'image id,class 1..5', got '", line, "'");
    char stem[16];
    std::snprintf(stem, sizeof stem, "%03d", id);
    labels.emplace_back(stem, kClassByLabel[label - 1]);
  }
  return labels;
}

std::vector<SourceFile> select_files(const std::vector<SourceFile>& listed) {
  std::vector<SourceFile> selected;
  for (const SourceFile& file : listed) {
    const bool label_file = file.folder.empty() && file.name.rfind("Class Labels", 0) == 0;
    const bool image_or_mask =
        !file.folder.empty() && (file.name.ends_with(".bmp") || file.name.ends_with(".png"));
    if (label_file || image_or_mask) selected.push_back(file);
  }
  return selected;
}

// Every file is found by the label files' ids.
void lay_out(const std::vector<SourceFile>&, const fs::path& sources, const fs::path& out) {
  std::vector<std::vector<std::pair<std::string, std::string>>> labels;
  int64_t images = 0;
  for (const SourceDataset& dataset : kDatasets) {
    labels.push_back(read_labels(sources / dataset.label_file));
    images += static_cast<int64_t>(labels.back().size());
  }
  LayoutProgress progress("segwbc", images);
  for (size_t d = 0; d < std::size(kDatasets); ++d) {
    const SourceDataset& dataset = kDatasets[d];
    for (const auto& [stem, class_name] : labels[d]) {
      const fs::path image_file = sources / dataset.folder / (stem + ".bmp");
      const fs::path mask_file = sources / dataset.folder / (stem + ".png");
      LEUKO_CHECK(fs::exists(image_file) && fs::exists(mask_file), dataset.label_file,
                  " lists image ", stem, ", but ", dataset.folder, " has no ", stem, ".bmp and ",
                  stem, ".png");
      const fs::path image_folder = out / dataset.split / class_name;
      const fs::path mask_folder = out / "masks" / dataset.split / class_name;
      fs::create_directories(image_folder);
      fs::create_directories(mask_folder);
      data::write_image(data::read_image(image_file), image_folder / (stem + ".png"));
      data::write_image(data::read_mask(mask_file), mask_folder / (stem + ".png"));
      progress.image_done();
    }
  }
  progress.finish();
}

}  // namespace

DatasetRecipe segwbc_recipe() {
  return {"segwbc",
          "Zheng et al. WBC images with nucleus/cytoplasm masks, 5 classes, two domains",
          {"zxaoyou/segmentation_WBC",
           "fa9c01622f52bccb9aeb8a6f2628f564e377767d",
           {{"", "47f9e75f98af4fb063ece3105f75654223b8190a"},
            {"Dataset 1", "989042f91e6548629e0355fd0e1abdf7782b372b"},
            {"Dataset 2", "8e42e5d536028866b94c4a596caec2c35fb63e83"}}},
          select_files,
          lay_out};
}

}  // namespace leuko::fetch
