#include "engine/data/synthetic.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "engine/error.h"

namespace leuko::data {
namespace fs = std::filesystem;

namespace {

using Color = std::array<double, 3>;

// An ellipse (centre, radii, orientation) with an approximate signed distance in pixels:
// negative inside. Coverage of a pixel is that distance mapped to [0, 1] over one pixel,
// which antialiases every edge.
struct Ellipse {
  double x, y, rx, ry, angle;
  double distance(double px, double py) const {
    const double c = std::cos(angle), s = std::sin(angle);
    const double u = (c * (px - x) + s * (py - y)) / rx;
    const double v = (-s * (px - x) + c * (py - y)) / ry;
    return (std::sqrt(u * u + v * v) - 1.0) * std::min(rx, ry);
  }
};

double coverage(double distance) { return std::clamp(0.5 - distance, 0.0, 1.0); }

Color mix_color(const Color& under, const Color& over, double alpha) {
  return {under[0] + (over[0] - under[0]) * alpha, under[1] + (over[1] - under[1]) * alpha,
          under[2] + (over[2] - under[2]) * alpha};
}

double between(Generator& g, double lo, double hi) { return lo + (hi - lo) * g.uniform(); }

Color jitter(const Color& base, double amount, Generator& g) {
  return {base[0] + between(g, -amount, amount), base[1] + between(g, -amount, amount),
          base[2] + between(g, -amount, amount)};
}

// What distinguishes the classes (see synthetic.h).
struct CellPlan {
  double radius;  // of the cell, in pixels
  Color cytoplasm;
  std::vector<Ellipse> nucleus;  // union of lobes
  std::vector<Ellipse> bites;    // cut out of the nucleus (the monocyte's kidney notch)
  std::vector<Ellipse> granules;
  Color granule_color;
  bool granules_over_nucleus = false;
};

CellPlan plan_cell(int64_t label, double size, double cx, double cy, Generator& g) {
  CellPlan plan;
  const double radius_range[5][2] = {
      {0.28, 0.34}, {0.30, 0.36}, {0.24, 0.30}, {0.33, 0.39}, {0.30, 0.36}};
  const Color cytoplasm[5] = {
      {200, 170, 210}, {232, 182, 165}, {172, 190, 228}, {192, 192, 214}, {226, 200, 214}};
  const double r = size * between(g, radius_range[label][0], radius_range[label][1]);
  plan.radius = r;
  plan.cytoplasm = jitter(cytoplasm[label], 18.0, g);
  const double turn = between(g, 0.0, 2.0 * M_PI);
  const double c = std::cos(turn), s = std::sin(turn);
  // Places a point given in the cell's own frame (x along `turn`).
  auto at = [&](double u, double v) {
    return std::array<double, 2>{cx + c * u - s * v, cy + s * u + c * v};
  };
  auto scatter_granules = [&](int count, double granule_radius, double spread) {
    for (int i = 0; i < count; ++i) {
      const double a = between(g, 0.0, 2.0 * M_PI), d = spread * r * std::sqrt(g.uniform());
      plan.granules.push_back(
          {cx + d * std::cos(a), cy + d * std::sin(a), granule_radius, granule_radius, 0.0});
    }
  };
  switch (label) {
    case 0: {  // basophil
      const auto p = at(between(g, -0.1, 0.1) * r, 0.0);
      plan.nucleus.push_back({p[0], p[1], 0.58 * r, between(g, 0.48, 0.58) * r, turn});
      scatter_granules(static_cast<int>(between(g, 25, 40)), 0.065 * r, 0.9);
      plan.granule_color = {70, 25, 100};
      plan.granules_over_nucleus = true;
      break;
    }
    case 1: {  // eosinophil
      for (double side : {-1.0, 1.0}) {
        const auto p = at(side * 0.38 * r, between(g, -0.08, 0.08) * r);
        const double lobe = between(g, 0.28, 0.36) * r;
        plan.nucleus.push_back({p[0], p[1], lobe, lobe * between(g, 0.85, 1.0), turn});
      }
      scatter_granules(static_cast<int>(between(g, 35, 60)), 0.055 * r, 0.92);
      plan.granule_color = {235, 125, 75};
      break;
    }
    case 2: {  // lymphocyte
      const auto p = at(between(g, 0.0, 0.12) * r, 0.0);
      plan.nucleus.push_back({p[0], p[1], 0.76 * r, between(g, 0.68, 0.76) * r, turn});
      break;
    }
    case 3: {  // monocyte
      const auto p = at(0.0, -0.05 * r);
      plan.nucleus.push_back({p[0], p[1], 0.66 * r, 0.46 * r, turn});
      const auto notch = at(between(g, -0.1, 0.1) * r, 0.42 * r);
      const double notch_radius = between(g, 0.26, 0.34) * r;
      plan.bites.push_back({notch[0], notch[1], notch_radius, notch_radius, 0.0});
      break;
    }
    default: {  // neutrophil
      const int lobes = 3 + static_cast<int>(g.next_u64() % 3);
      const double step = between(g, 0.55, 0.75);
      for (int i = 0; i < lobes; ++i) {
        const double a = (i - (lobes - 1) / 2.0) * step;
        const auto p = at(0.45 * r * std::cos(a) - 0.2 * r, 0.45 * r * std::sin(a));
        const double lobe = between(g, 0.18, 0.23) * r;
        plan.nucleus.push_back({p[0], p[1], lobe, lobe, 0.0});
      }
      scatter_granules(static_cast<int>(between(g, 15, 30)), 0.04 * r, 0.9);
      plan.granule_color = {205, 170, 200};
      break;
    }
  }
  return plan;
}

}  // namespace

const std::vector<std::string>& synthetic_class_names() {
  static const std::vector<std::string> names = {"basophil", "eosinophil", "lymphocyte", "monocyte",
                                                 "neutrophil"};
  return names;
}

SyntheticCell synthetic_cell(int64_t label, int size, Generator& g) {
  LEUKO_CHECK(label >= 0 && label < 5, "synthetic_cell: label must be in 0..4, got ", label);
  LEUKO_CHECK(size >= 16 && size <= 1024, "synthetic_cell: size must be in 16..1024, got ", size);
  const double n = size;
  const Color background = jitter({236, 222, 226}, 8.0, g);
  const Color red_cell = jitter({224, 150, 160}, 12.0, g);
  // Stray red blood cells around (and under) the white one, as on a real smear.
  std::vector<Ellipse> red_cells;
  const int reds = static_cast<int>(g.next_u64() % 4);
  for (int i = 0; i < reds; ++i) {
    const double rr = n * between(g, 0.14, 0.2);
    red_cells.push_back(
        {between(g, 0, n), between(g, 0, n), rr, rr * between(g, 0.85, 1.0), between(g, 0, M_PI)});
  }
  const double cx = n / 2 + between(g, -0.08, 0.08) * n, cy = n / 2 + between(g, -0.08, 0.08) * n;
  const CellPlan plan = plan_cell(label, n, cx, cy, g);
  const Ellipse cell{cx, cy, plan.radius, plan.radius * between(g, 0.88, 1.0), between(g, 0, M_PI)};
  const Color nucleus_color = {between(g, 70, 115), between(g, 30, 60), between(g, 110, 155)};
  // Stain and lighting differ between slides: one random gain per channel per image.
  const Color gain = {between(g, 0.9, 1.1), between(g, 0.9, 1.1), between(g, 0.9, 1.1)};

  SyntheticCell out{Image(size, size, 3), Image(size, size, 1)};
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const double px = x + 0.5, py = y + 0.5;
      Color color = background;
      for (const Ellipse& red : red_cells) {
        const double d = red.distance(px, py);
        // Red cells are paler in the middle (biconcave discs).
        const double pale = std::clamp(1.0 + d / (0.6 * red.rx), 0.0, 1.0);
        color = mix_color(color, mix_color(red_cell, background, 0.5 * (1.0 - pale)), coverage(d));
      }
      const double in_cell = coverage(cell.distance(px, py));
      color = mix_color(color, plan.cytoplasm, in_cell);
      double in_nucleus = 0.0;
      for (const Ellipse& lobe : plan.nucleus)
        in_nucleus = std::max(in_nucleus, coverage(lobe.distance(px, py)));
      for (const Ellipse& bite : plan.bites)
        in_nucleus = std::min(in_nucleus, 1.0 - coverage(bite.distance(px, py)));
      in_nucleus *= in_cell;
      color = mix_color(color, nucleus_color, in_nucleus);
      double in_granule = 0.0;
      for (const Ellipse& granule : plan.granules)
        in_granule = std::max(in_granule, coverage(granule.distance(px, py)));
      if (!plan.granules_over_nucleus) in_granule *= 1.0 - in_nucleus;
      color = mix_color(color, plan.granule_color, 0.8 * in_granule * in_cell);
      for (int ch = 0; ch < 3; ++ch) {
        const double value = color[ch] * gain[ch] + 6.0 * g.normal();
        out.image.at(y, x, ch) = static_cast<uint8_t>(std::clamp(std::lround(value), 0L, 255L));
      }
      out.mask.at(y, x, 0) = in_nucleus > 0.5 ? 255 : (in_cell > 0.5 ? 128 : 0);
    }
  }
  return out;
}

Batch synthetic_batch(int64_t n, int size, Generator& generator) {
  LEUKO_CHECK(n > 0, "synthetic_batch: n must be positive, got ", n);
  Batch batch;
  batch.images = empty({n, 3, size, size});
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = static_cast<int64_t>(generator.next_u64() % 5);
    const SyntheticCell cell = synthetic_cell(label, size, generator);
    to_tensor_into(cell.image, batch.images.data<float>() + i * 3 * size * size);
    labels.push_back(label);
    batch.indices.push_back(i);
  }
  batch.labels = from_vector_i64(labels, {n});
  return batch;
}

void write_synthetic_folder(const fs::path& root, const SyntheticFolderOptions& options) {
  LEUKO_CHECK(options.mask_fraction >= 0.0 && options.mask_fraction <= 1.0,
              "write_synthetic_folder: mask_fraction must be in [0, 1], got ",
              options.mask_fraction);
  const std::vector<std::string>& classes = synthetic_class_names();
  fs::path partial = root;
  partial += ".partial";
  fs::remove_all(partial);  // what a killed earlier attempt left
  for (const auto& [split, per_class] :
       {std::pair<std::string, int64_t>{"train", options.train_per_class},
        std::pair<std::string, int64_t>{"test", options.test_per_class}}) {
    for (size_t label = 0; label < classes.size(); ++label) {
      const fs::path image_dir = partial / split / classes[label];
      const fs::path mask_dir = partial / "masks" / split / classes[label];
      fs::create_directories(image_dir);
      // One generator per class and split: each folder is reproducible on its own.
      Generator g(options.seed * 7919 + label * 2 + (split == "test" ? 1 : 0));
      for (int64_t k = 0; k < per_class; ++k) {
        const SyntheticCell cell = synthetic_cell(static_cast<int64_t>(label), options.size, g);
        const std::string name = cat(classes[label].substr(0, 2), "_", k, ".png");
        write_image(cell.image, image_dir / name);
        if (split == "train" && g.uniform() < options.mask_fraction) {
          fs::create_directories(mask_dir);
          write_image(cell.mask, mask_dir / name);
        }
      }
    }
  }
  fs::remove_all(root);
  fs::rename(partial, root);
}

}  // namespace leuko::data
