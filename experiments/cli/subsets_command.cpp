// `leuko subsets`: draws the WBC-1/10/50/100 training subsets from <data>/pbc/train and
// prints their per-class counts next to floor(p * N_c), the rule the course's subsets
// follow (spec section 2.1); with --write, lays one of them out as an image-folder root
// with Study A's test/validation split, for `leuko train --data` (e.g. on a GPU machine that
// gets no copy of the whole data set).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "engine/data/data_root.h"
#include "engine/data/image_folder.h"
#include "engine/data/subsets.h"
#include "engine/error.h"
#include "experiments/cli/commands.h"
#include "experiments/cli/option_checks.h"
#include "experiments/studies/study_drivers.h"

namespace leuko::cli {

namespace {

namespace fs = std::filesystem;

struct SubsetsOptions {
  std::string data, out;
  uint64_t seed = 0;
  int write_percent = 0;  // 1, 10, 50 or 100 with --out; 0: print the counts
};

fs::path data_root(const SubsetsOptions& o) {
  const fs::path root = data::resolve_data_root(o.data);
  LEUKO_CHECK(!root.empty(),
              "subsets: no data root: pass --data DIR or set LEUKO_DATA "
              "(a folder holding pbc/train/<class>/...)");
  return root;
}

// Copies every image of `set` to <dir>/<class>/<its file name>.
void copy_images(const data::Dataset& set, const fs::path& dir) {
  for (const data::Sample& sample : set.samples) {
    const fs::path target = dir / set.classes[sample.label] / sample.image.filename();
    fs::create_directories(target.parent_path());
    fs::copy_file(sample.image, target);
  }
}

// WBC-p as Study A's sub-run trains on it (train/), and the study's split of pbc/test
// (test/ and val/), written beside --out and renamed into place when complete.
void write_subset(const SubsetsOptions& o) {
  const fs::path root = data_root(o), out = o.out;
  LEUKO_CHECK(!fs::exists(out), "subsets: ", out.string(),
              " exists; remove it or give another --out");
  const data::Dataset train = study_a_wbc_train(data::scan_image_folder(root / "pbc" / "train"),
                                                o.write_percent / 100.0, o.seed, 0);
  const TestAndValidation held_out =
      study_a_wbc_test_split(data::scan_image_folder(root / "pbc" / "test"), 0);
  const fs::path partial = out.string() + ".partial";
  fs::remove_all(partial);
  copy_images(train, partial / "train");
  copy_images(held_out.validation, partial / "val");
  copy_images(held_out.test, partial / "test");
  fs::rename(partial, out);
  std::printf("WBC-%d (seed %llu): %lld training images in %s/train; test %lld, validation %lld\n",
              o.write_percent, static_cast<unsigned long long>(o.seed),
              static_cast<long long>(train.size()), out.c_str(),
              static_cast<long long>(held_out.test.size()),
              static_cast<long long>(held_out.validation.size()));
}

void print_subsets(const SubsetsOptions& o) {
  const fs::path root = data_root(o);
  const data::Dataset full = data::scan_image_folder(root / "pbc" / "train");
  const std::vector<int64_t> n = full.class_counts();
  std::printf("WBC subsets of %s (seed %llu, nested): drawn / floor(p * N_c)\n",
              (root / "pbc" / "train").c_str(), static_cast<unsigned long long>(o.seed));
  std::printf("%-12s", "class");
  for (const char* name : {"WBC-1", "WBC-10", "WBC-50", "WBC-100"}) std::printf("%16s", name);
  std::printf("\n");
  std::vector<std::vector<int64_t>> drawn;
  for (double p : {0.01, 0.1, 0.5, 1.0}) {
    drawn.push_back(data::stratified_fraction(full, p, o.seed).class_counts());
  }
  bool all_equal = true;
  for (size_t c = 0; c < full.classes.size(); ++c) {
    std::printf("%-12s", full.classes[c].c_str());
    const double fractions[] = {0.01, 0.1, 0.5, 1.0};
    for (size_t f = 0; f < drawn.size(); ++f) {
      const int64_t expected = static_cast<int64_t>(std::floor(fractions[f] * n[c]));
      all_equal = all_equal && drawn[f][c] == expected;
      std::printf("%9lld / %-5lld", static_cast<long long>(drawn[f][c]),
                  static_cast<long long>(expected));
    }
    std::printf("\n");
  }
  std::printf("%s\n", all_equal ? "every count equals floor(p * N_c)"
                                : "MISMATCH: some counts differ from floor(p * N_c)");
  LEUKO_CHECK(all_equal, "subsets: drawn counts differ from floor(p * N_c)");
}

}  // namespace

void add_subsets_command(CLI::App& app) {
  auto options = std::make_shared<SubsetsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "subsets", "Print the per-class counts of WBC-1/10/50/100 drawn from <data>/pbc/train");
  cmd->footer(
      "Examples:\n"
      "  leuko subsets --data ../shared/data --seed 0\n"
      "  leuko subsets --data ../shared/data --write 10 --out wbc-10   (train/, val/, test/ as\n"
      "      Study A's wbc-10-base sub-run sees them; then leuko train --data wbc-10 ...)");
  cmd->add_option("--data", options->data, "data root holding pbc/ (default: $LEUKO_DATA)");
  cmd->add_option("--seed", options->seed, "seed of the draw")->check(seed_check());
  CLI::Option* write =
      cmd->add_option("--write", options->write_percent, "lay out WBC-P (1, 10, 50 or 100)")
          ->check(CLI::IsMember({1, 10, 50, 100}));
  cmd->add_option("--out", options->out, "the new folder --write lays it out in")->needs(write);
  write->needs(cmd->get_option("--out"));
  cmd->callback([options] {
    if (options->write_percent > 0) {
      write_subset(*options);
    } else {
      print_subsets(*options);
    }
  });
}

}  // namespace leuko::cli
