// idc: breast IDC patches of two patients, as ../shared/data/idc/SOURCE.md describes it:
// the PNG files copied byte for byte (so they equal the shared copy's), class 0 -> normal,
// 1 -> tumor, split by patient (14082 -> train, 14306 -> test).
#include "experiments/fetch/dataset_recipe.h"

namespace leuko::fetch {

namespace {

namespace fs = std::filesystem;

struct Placement {
  const char* folder;  // in the source repository: data/<patient>/<class>
  const char* split;
  const char* class_name;
};

constexpr Placement kPlacements[] = {{"data/14082/0", "train", "normal"},
                                     {"data/14082/1", "train", "tumor"},
                                     {"data/14306/0", "test", "normal"},
                                     {"data/14306/1", "test", "tumor"}};

void lay_out(const std::vector<SourceFile>& listed, const fs::path& sources, const fs::path& out) {
  LayoutProgress progress("idc", static_cast<int64_t>(listed.size()));
  for (const Placement& place : kPlacements) {
    const fs::path target = out / place.split / place.class_name;
    fs::create_directories(target);
    for (const SourceFile& file : files_in(listed, place.folder)) {
      fs::copy_file(sources / file.path(), target / file.name,
                    fs::copy_options::overwrite_existing);
      progress.image_done();
    }
  }
  progress.finish();
}

}  // namespace

DatasetRecipe idc_recipe() {
  return {"idc",
          "breast IDC patches 50x50 PNG, tumor/normal, split by patient (Camelyon16 stand-in)",
          {"histopathology/Breast-Histopathology",
           "8c93b58a47e38c2eafa532b7ab6bad08deeca846",
           {{"data/14082/0", "71e7244ca1f5f00e041d7d73d4c5c70f9f40993e"},
            {"data/14082/1", "ebd687927af3d1c38826908d6edd06455d6f78f5"},
            {"data/14306/0", "043a259a6e33f0978cfeefb4ad3e8e6dfe9165a7"},
            {"data/14306/1", "bccb0656ab5ead9d2cde4f98f600c93068022c1e"}}},
          [](const std::vector<SourceFile>& listed) { return listed; },
          lay_out};
}

}  // namespace leuko::fetch
