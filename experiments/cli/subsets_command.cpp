// `leuko subsets`: draws the WBC-1/10/50/100 training subsets from <data>/pbc/train and
// prints their per-class counts next to floor(p * N_c), the rule the course's subsets
// follow (spec section 2.1).
#include <cmath>
#include <cstdio>
#include <memory>

#include "engine/data/data_root.h"
#include "engine/data/image_folder.h"
#include "engine/data/subsets.h"
#include "engine/error.h"
#include "experiments/cli/commands.h"
#include "experiments/cli/option_checks.h"

namespace leuko::cli {

namespace {

struct SubsetsOptions {
  std::string data;
  uint64_t seed = 0;
};

void print_subsets(const SubsetsOptions& o) {
  const std::filesystem::path root = data::resolve_data_root(o.data);
  LEUKO_CHECK(!root.empty(),
              "subsets: no data root: pass --data DIR or set LEUKO_DATA "
              "(a folder holding pbc/train/<class>/...)");
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
  cmd->footer("Example:\n  leuko subsets --data ../shared/data --seed 0");
  cmd->add_option("--data", options->data, "data root holding pbc/ (default: $LEUKO_DATA)");
  cmd->add_option("--seed", options->seed, "seed of the draw")->check(seed_check());
  cmd->callback([options] { print_subsets(*options); });
}

}  // namespace leuko::cli
