// monuseg: MoNuSeg H&E tissue images with nuclei masks, as
// ../shared/data/monuseg/SOURCE.md describes it: each 1000x1000 image cut into four 500x500
// tiles (r0c0 r0c1 r1c0 r1c1) saved as JPEG quality 90, its binary mask cut the same way
// and saved as an 8-bit grey PNG with the tile's stem, named <organ>__<TCGA id>__r<row>c<col>.
// The organ of each image is metadata of the MoNuSeg release, so the 44 images of the shared
// copy are listed below by TCGA id; the source's 7 others (TCGA-BC-A217, -F9-A8NY, -FG-A87N,
// -MH-A561, -UZ-A9PJ, -UZ-A9PN, -XS-A8TJ) are not in the shared copy (their TIFFs were too
// large for the tool that made it) and are left out so that the layouts agree. The JPEG
// bytes differ from the shared copy's (another encoder); the masks' pixels are the same.
#include <map>

#include "engine/data/image.h"
#include "engine/data/transforms.h"
#include "engine/error.h"
#include "experiments/fetch/dataset_recipe.h"
#include "experiments/fetch/tiff_image.h"

namespace leuko::fetch {

namespace {

namespace fs = std::filesystem;

constexpr int kTile = 500;
constexpr int kJpegQuality = 90;

// MoNuSeg's two parts, each with tissue_image/<id>.tif and masks/<id>.png.
constexpr const char* kParts[] = {"data/MoNuSegTrainData", "data/MoNuSegTestData"};

// TCGA image id -> organ prefix (MoNuSeg's organ; "lungliver" where MoNuSeg says liver but
// the TCGA codes are lung cohorts; see SOURCE.md).
const std::map<std::string, std::string>& organs() {
  static const std::map<std::string, std::string> table = {
      {"TCGA-18-5592-01Z-00-DX1", "lungliver"}, {"TCGA-21-5784-01Z-00-DX1", "lungliver"},
      {"TCGA-21-5786-01Z-00-DX1", "lungliver"}, {"TCGA-2Z-A9J9-01A-01-TS1", "kidney"},
      {"TCGA-38-6178-01Z-00-DX1", "lungliver"}, {"TCGA-44-2665-01B-06-BS6", "lung"},
      {"TCGA-49-4488-01Z-00-DX1", "lungliver"}, {"TCGA-50-5931-01Z-00-DX1", "lungliver"},
      {"TCGA-69-7764-01A-01-TS1", "lung"},      {"TCGA-A6-6782-01A-01-BS1", "colon"},
      {"TCGA-A7-A13E-01Z-00-DX1", "breast"},    {"TCGA-A7-A13F-01Z-00-DX1", "breast"},
      {"TCGA-AC-A2FO-01A-01-TS1", "breast"},    {"TCGA-AO-A0J2-01A-01-BSA", "breast"},
      {"TCGA-AR-A1AK-01Z-00-DX1", "breast"},    {"TCGA-AR-A1AS-01Z-00-DX1", "breast"},
      {"TCGA-AY-A8YK-01A-01-TS1", "colon"},     {"TCGA-B0-5698-01Z-00-DX1", "kidney"},
      {"TCGA-B0-5710-01Z-00-DX1", "kidney"},    {"TCGA-B0-5711-01Z-00-DX1", "kidney"},
      {"TCGA-CH-5767-01Z-00-DX1", "prostate"},  {"TCGA-CU-A0YN-01A-02-BSB", "bladder"},
      {"TCGA-DK-A2I6-01A-01-TS1", "bladder"},   {"TCGA-E2-A14V-01Z-00-DX1", "breast"},
      {"TCGA-E2-A1B5-01Z-00-DX1", "breast"},    {"TCGA-EJ-A46H-01A-03-TSC", "prostate"},
      {"TCGA-FG-A4MU-01B-01-TS1", "brain"},     {"TCGA-G2-A2EK-01A-02-TSB", "bladder"},
      {"TCGA-G9-6336-01Z-00-DX1", "prostate"},  {"TCGA-G9-6348-01Z-00-DX1", "prostate"},
      {"TCGA-G9-6356-01Z-00-DX1", "prostate"},  {"TCGA-G9-6362-01Z-00-DX1", "prostate"},
      {"TCGA-G9-6363-01Z-00-DX1", "prostate"},  {"TCGA-GL-6846-01A-01-BS1", "kidney"},
      {"TCGA-HC-7209-01A-01-TS1", "prostate"},  {"TCGA-HE-7128-01Z-00-DX1", "kidney"},
      {"TCGA-HE-7129-01Z-00-DX1", "kidney"},    {"TCGA-HE-7130-01Z-00-DX1", "kidney"},
      {"TCGA-HT-8564-01Z-00-DX1", "brain"},     {"TCGA-IZ-8196-01A-01-BS1", "unknown"},
      {"TCGA-KB-A93J-01A-01-TS1", "stomach"},   {"TCGA-NH-A8F7-01A-01-TS1", "colon"},
      {"TCGA-RD-A8N9-01A-01-TS1", "stomach"},   {"TCGA-ZF-A9R5-01A-01-TS1", "bladder"}};
  return table;
}

bool listed_image(const SourceFile& file, const char* extension) {
  const fs::path name(file.name);
  return name.extension() == extension && organs().count(name.stem().string()) > 0;
}

std::vector<SourceFile> select_files(const std::vector<SourceFile>& listed) {
  std::vector<SourceFile> selected;
  for (const SourceFile& file : listed) {
    if ((file.folder.ends_with("/tissue_image") && listed_image(file, ".tif")) ||
        (file.folder.ends_with("/masks") && listed_image(file, ".png"))) {
      selected.push_back(file);
    }
  }
  return selected;
}

void lay_out(const std::vector<SourceFile>& listed, const fs::path& sources, const fs::path& out) {
  const std::vector<SourceFile> selected = select_files(listed);
  const int64_t images = static_cast<int64_t>(selected.size() / 2);
  LayoutProgress progress("monuseg", images);
  fs::create_directories(out / "images");
  fs::create_directories(out / "masks");
  for (const char* part : kParts) {
    for (const SourceFile& file : files_in(selected, std::string(part) + "/tissue_image")) {
      const std::string id = fs::path(file.name).stem().string();
      const data::Image image = read_tiff_rgb(sources / file.path());
      const data::Image mask = data::read_mask(sources / part / "masks" / (id + ".png"));
      LEUKO_CHECK(image.height == 2 * kTile && image.width == 2 * kTile &&
                      mask.height == image.height && mask.width == image.width,
                  file.path(), ": expected a ", 2 * kTile, "x", 2 * kTile, " image and mask, got ",
                  image.width, "x", image.height, " and ", mask.width, "x", mask.height);
      for (int row = 0; row < 2; ++row) {
        for (int col = 0; col < 2; ++col) {
          const std::string stem = cat(organs().at(id), "__", id, "__r", row, "c", col);
          const data::CropWindow window{row * kTile, col * kTile, kTile, kTile};
          data::write_image(data::crop(image, window), out / "images" / (stem + ".jpg"),
                            kJpegQuality);
          data::write_image(data::crop(mask, window), out / "masks" / (stem + ".png"));
        }
      }
      progress.image_done();
    }
  }
  progress.finish();
}

}  // namespace

DatasetRecipe monuseg_recipe() {
  return {"monuseg",
          "MoNuSeg H&E tiles 500x500 JPEG with nuclei masks (pRCC stand-in, unlabelled)",
          {"davidlane23/MonuSeg2018_Computer_Vision",
           "421a4fd3934d7610e014d45f58376b2665fc1acc",
           {{"data/MoNuSegTrainData/tissue_image", "b1a52299205f671d6b563a19828eeb1438504176"},
            {"data/MoNuSegTrainData/masks", "2188ceeb16d6e1d18b2d7eeda94ebb0ae7bdb9ea"},
            {"data/MoNuSegTestData/tissue_image", "c91ae44376a9fa9537a2ac171745672d3238d071"},
            {"data/MoNuSegTestData/masks", "e2ea1867a01461e4a0e89a90e8180f2297088b20"}}},
          select_files,
          lay_out};
}

}  // namespace leuko::fetch
