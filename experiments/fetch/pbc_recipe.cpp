// pbc: the five WBC classes of the PBC dataset (Acevedo et al. 2020), as
// ../shared/data/pbc/SOURCE.md describes it: each image centre-cropped to a square, resized
// to 224x224 and saved as JPEG quality 80; a class-stratified 80/20 train/test split by
// sha256("pbc-split:" + file name); about 10% of each class's test images (by
// sha256("pbc-holdout:" + file name)) held out, so never downloaded.
//
// The pixels differ slightly from the shared copy's, which ImageMagick made (resize, then
// crop; its own filter and JPEG encoder): here it is crop, then the project's resize
// (PIL's antialiased bilinear) and stb's encoder. Folders, classes, splits and file stems
// are the same.
#include <map>
#include <set>

#include "engine/data/image.h"
#include "engine/data/transforms.h"
#include "experiments/fetch/dataset_recipe.h"
#include "experiments/fetch/hash_order_split.h"

namespace leuko::fetch {

namespace {

namespace fs = std::filesystem;

constexpr int kSide = 224;
constexpr int kJpegQuality = 80;

// Source folder -> class name.
const std::map<std::string, std::string>& class_folders() {
  static const std::map<std::string, std::string> folders = {{"other_types/basophil", "basophil"},
                                                             {"wbc/eosinophil", "eosinophil"},
                                                             {"wbc/lymphocyte", "lymphocyte"},
                                                             {"wbc/monocyte", "monocyte"},
                                                             {"wbc/neutrophil", "neutrophil"}};
  return folders;
}

struct ClassSplit {
  std::vector<std::string> train, test;  // file names; the holdout is in neither
};

// One class's files (macOS ".DS_*" junk left out) split as SOURCE.md says.
ClassSplit split_class(const std::vector<SourceFile>& files) {
  std::vector<std::string> names;
  for (const SourceFile& file : files) {
    if (file.name.rfind(".DS_", 0) != 0) names.push_back(file.name);
  }
  const std::vector<std::string> by_split = sorted_by_salted_sha256(names, "pbc-split");
  const size_t n_test = hash_split_count(names.size(), 0.2);
  const std::vector<std::string> test(by_split.begin(), by_split.begin() + n_test);
  const std::vector<std::string> by_holdout = sorted_by_salted_sha256(test, "pbc-holdout");
  const size_t n_holdout = hash_split_count(test.size(), 0.1, 5);
  return {std::vector<std::string>(by_split.begin() + n_test, by_split.end()),
          std::vector<std::string>(by_holdout.begin() + n_holdout, by_holdout.end())};
}

std::vector<SourceFile> select_files(const std::vector<SourceFile>& listed) {
  std::vector<SourceFile> selected;
  for (const auto& [folder, class_name] : class_folders()) {
    const std::vector<SourceFile> files = files_in(listed, folder);
    const ClassSplit split = split_class(files);
    std::set<std::string> kept(split.train.begin(), split.train.end());
    kept.insert(split.test.begin(), split.test.end());
    for (const SourceFile& file : files) {
      if (kept.count(file.name)) selected.push_back(file);
    }
  }
  return selected;
}

data::Image square_224(const data::Image& image) {
  const int side = std::min(image.height, image.width);
  return data::resize(data::center_crop(image, side, side), kSide, kSide);
}

void lay_out(const std::vector<SourceFile>& listed, const fs::path& sources, const fs::path& out) {
  LayoutProgress progress("pbc", static_cast<int64_t>(select_files(listed).size()));
  for (const auto& [folder, class_name] : class_folders()) {
    const ClassSplit split = split_class(files_in(listed, folder));
    for (const auto& [split_name, names] :
         {std::pair{"train", &split.train}, {"test", &split.test}}) {
      const fs::path target = out / split_name / class_name;
      fs::create_directories(target);
      for (const std::string& name : *names) {
        const data::Image image = data::read_image(sources / folder / name);
        data::write_image(square_224(image), target / (fs::path(name).stem().string() + ".jpg"),
                          kJpegQuality);
        progress.image_done();
      }
    }
  }
  progress.finish();
}

}  // namespace

DatasetRecipe pbc_recipe() {
  return {"pbc",
          "PBC blood cells, 5 WBC classes, 224x224 JPEG, train/test split, holdout left out",
          {"kylewang1999/PBC_dataset",
           "c3c0681e2937577a26532c4c63411557fcd0fb29",
           {{"other_types/basophil", "f5fa6fca2728b69358ae8d5e4c5a8edb4ddaa028"},
            {"wbc/eosinophil", "0ab90524fa86a4d98064a9ccf18d2e59daa8c7d0"},
            {"wbc/lymphocyte", "15dd233ece8ee0059b2469a2040fdae832009252"},
            {"wbc/monocyte", "7e55967f14f9cc6439f988312d35c861224adebc"},
            {"wbc/neutrophil", "68f5487a2e4a31e72d7e6bb9498d313c5015f3c4"}}},
          select_files,
          lay_out};
}

}  // namespace leuko::fetch
