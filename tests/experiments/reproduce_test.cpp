// End-to-end test of `leuko reproduce`: study A under the tiny smoke profile on generated
// data (no data root), its report (our columns beside the published ones, the banner, the
// differences section), the resume of a finished study, study B's chain from its mask
// segmentation stage on, and usage errors. The binary is
// the one built next to this test (run `ninja leuko` before ctest).
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/data/temp_folder.h"
#include "tests/experiments/run_guards.h"
#include "tests/experiments/run_leuko.h"
#include "tests/support/testing.h"

namespace leuko {
namespace {

namespace fs = std::filesystem;

using Result = testing::LeukoResult;
using testing::expect_one_line_failure;
using testing::read_text;

// Without LEUKO_DATA, so the studies fall back to their synthetic data.
Result leuko(const std::string& arguments, const fs::path& scratch) {
  return testing::run_leuko(arguments, scratch, "env -u LEUKO_DATA");
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("reproduce study-a --profile smoke on generated data writes a complete study report") {
  testing::TempFolder scratch;
  const fs::path out = scratch / "study-a";
  const std::string arguments =
      cat("reproduce study-a --profile smoke --workers 1 --out '", out.string(), "'");
  const Result first = leuko(arguments, scratch.path());
  REQUIRE(first.code == 0);
  CHECK(contains(first.out, "GENERATED"));

  const std::string report = read_text(out / "report.md");
  CHECK(contains(report, "ours: accuracy"));
  CHECK(contains(report, "published: accuracy"));
  CHECK(contains(report, "0.8750"));   // the published Camelyon16 accuracy
  CHECK(contains(report, "0.00093"));  // the published pRCC test loss (9.3208e-4)
  CHECK(contains(report, "## Differences from the study"));
  CHECK(contains(report, "GENERATED"));
  CHECK(contains(report, "profile: `smoke`"));
  CHECK(contains(report, "WBC-1 base"));
  CHECK(contains(report, "WBC-1+ combined"));
  CHECK(contains(report, "not in this profile"));  // WBC-10/50/100 are skipped by smoke
  CHECK(contains(report, "wall time"));
  CHECK(contains(report, "threads, cpu"));  // the machine the runs ran on
  CHECK(contains(report, "Confusion matrix"));
  for (const char* run : {"prcc-autoencoder", "cam16-classifier", "wbc-1-base", "wbc-1-combined"}) {
    CAPTURE(run);
    CHECK(fs::exists(out / run / "done"));
    CHECK(fs::exists(out / run / "results.json"));
    CHECK(fs::exists(out / run / "report.md"));
  }
  const std::string study = read_text(out / "study.json");
  CHECK(contains(study, "\"profile\": \"smoke\""));

  // The same command again: every sub-run is finished, so nothing trains again.
  const Result second = leuko(arguments, scratch.path());
  REQUIRE(second.code == 0);
  CHECK(contains(second.out, "finished earlier"));
  CHECK(!contains(second.out, "epoch 1/"));
  CHECK(read_text(out / "report.md") == report);
}

TEST_CASE(
    "reproduce --only trains the selected sub-runs, reports the rest as not run, and checks what "
    "they need") {
  testing::TempFolder scratch;
  const fs::path out = scratch / "study-a";
  const std::string base =
      cat("reproduce study-a --profile smoke --workers 1 --out '", out.string(), "'");
  // --dry-run: the plan (every sub-run, an estimate) and nothing trained.
  const Result plan = leuko(base + " --dry-run", scratch.path());
  REQUIRE(plan.code == 0);
  CHECK(contains(plan.out, "4 sub-run(s) to train, estimated"));
  CHECK(contains(plan.out, "wbc-1-combined"));
  CHECK(!fs::exists(out / "prcc-autoencoder"));

  const Result part = leuko(base + " --only prcc-autoencoder", scratch.path());
  REQUIRE(part.code == 0);
  CHECK(fs::exists(out / "prcc-autoencoder" / "done"));
  CHECK(fs::exists(out / "prcc-autoencoder" / "timing.json"));
  CHECK(contains(part.out, "1 sub-run(s) to train"));
  for (const std::string left_out : {"cam16-classifier", "wbc-1-base", "wbc-1-combined"}) {
    CAPTURE(left_out);
    CHECK(!fs::exists(out / left_out));
  }
  const std::string report = read_text(out / "report.md");
  CHECK(contains(report, "not run yet"));
  CHECK(contains(report, "0.00093"));  // the finished row is there with its published number

  // The combined model starts from the Camelyon16 classifier, which has not run.
  const Result missing = leuko(base + " --only 'wbc-1-comb*'", scratch.path());
  CHECK(missing.code == 1);
  CHECK(contains(
      missing.err,
      "wbc-1-combined starts from the weights of cam16-classifier, which has not finished"));

  const Result no_match = leuko(base + " --only wbc-7-base", scratch.path());
  CHECK(no_match.code == 2);
  CHECK(contains(no_match.err, "matched no sub-run"));

  // Two patterns, comma-separated: the rest of the study; the report is then complete.
  REQUIRE(leuko(base + " --only 'cam16-*,wbc-*'", scratch.path()).code == 0);
  CHECK(!contains(read_text(out / "report.md"), "not run yet"));
}

TEST_CASE(
    "a second reproduce into an --out in use is refused in one line before it writes anything") {
  testing::TempFolder scratch;
  const fs::path out = scratch / "study-a";
  fs::create_directories(out);
  const std::string base =
      cat("reproduce study-a --profile smoke --workers 1 --out '", out.string(), "'");
  {
    const testing::HeldRunLock lock(out);  // as a first reproduce into it would
    for (const std::string dry_run : {"", " --dry-run"}) {
      CAPTURE(dry_run);
      const Result refused = leuko(base + dry_run, scratch.path());
      expect_one_line_failure(
          refused, out.string() + " is in use by another leuko run (pid " + lock.pid() + ")");
      CHECK(refused.out.empty());
      CHECK(!fs::exists(out / "synthetic-data"));
    }
  }
  CHECK(leuko(base + " --dry-run", scratch.path()).code == 0);  // the lock went with its holder
}

TEST_CASE(
    "reproduce --restart trains the selected sub-runs again from scratch and keeps the others") {
  testing::TempFolder scratch;
  const fs::path out = scratch / "study-a";
  const std::string base =
      cat("reproduce study-a --profile smoke --workers 1 --out '", out.string(), "'");
  REQUIRE(leuko(base + " --only 'prcc-autoencoder,cam16-classifier'", scratch.path()).code == 0);
  const std::string metrics = read_text(out / "prcc-autoencoder" / "metrics.csv");
  for (const char* sub_run : {"prcc-autoencoder", "cam16-classifier"})
    testing::write_bytes(out / sub_run / "earlier.txt", {'x'});  // stands for what a run left

  const std::string restart = base + " --only prcc-autoencoder --restart";
  const Result plan = leuko(restart + " --dry-run", scratch.path());  // finished, yet to train
  REQUIRE(plan.code == 0);
  CHECK(contains(plan.out, "1 sub-run(s) to train"));
  CHECK(fs::exists(out / "prcc-autoencoder" / "earlier.txt"));  // a dry run deletes nothing

  const Result again = leuko(restart, scratch.path());
  REQUIRE(again.code == 0);
  CHECK(contains(again.out, "--restart: deleted the earlier run's"));
  CHECK(contains(again.out, "epoch 1/"));
  CHECK(!fs::exists(out / "prcc-autoencoder" / "earlier.txt"));
  CHECK(fs::exists(out / "prcc-autoencoder" / "done"));
  CHECK(read_text(out / "prcc-autoencoder" / "metrics.csv") == metrics);  // as the first time
  // The sub-run --only left out is kept as it was.
  CHECK(contains(again.out, "cam16-classifier: finished earlier"));
  CHECK(fs::exists(out / "cam16-classifier" / "earlier.txt"));
}

TEST_CASE("reproduce study-b --profile smoke runs the whole chain, from mask segmentation on") {
  testing::TempFolder scratch;
  const fs::path out = scratch / "study-b";
  const Result run =
      leuko(cat("reproduce study-b --profile smoke --workers 1 --out '", out.string(), "'"),
            scratch.path());
  REQUIRE(run.code == 0);
  const fs::path stage1 = out / "wbc-1-stage1-segmentation";
  CHECK(fs::exists(stage1 / "done"));
  // The segmentation stage: MSE against the masks, its IoU, and input / predicted / true triples.
  const std::string config = read_text(stage1 / "config.json");
  CHECK(contains(config, "\"target\": \"masks\""));
  CHECK(contains(config, "\"crop\": 32"));
  const std::string results = read_text(stage1 / "results.json");
  CHECK(contains(results, "\"mask_iou\""));
  const std::string stage1_report = read_text(stage1 / "report.md");
  CHECK(contains(stage1_report, "## Segmentation examples (test)"));
  CHECK(contains(stage1_report, "| mask_iou |"));
  for (const char* file :
       {"segmentations/0_input.png", "segmentations/0_output.png", "segmentations/0_mask.png"}) {
    CAPTURE(file);
    CHECK(fs::exists(stage1 / file));
    CHECK(contains(stage1_report, file));
  }
  // `leuko eval` of the segmentation checkpoint scores it against the masks.
  const std::string stage1_data = nlohmann::json::parse(config).at("data").get<std::string>();
  const Result eval = leuko(cat("eval --checkpoint '", (stage1 / "best.safetensors").string(),
                                "' --data '", stage1_data, "' --split train"),
                            scratch.path());
  CHECK(eval.code == 0);
  CHECK(contains(eval.out, "mask IoU"));
  // Stage 2 starts from stage 1's weights.
  CHECK(contains(read_text(out / "wbc-1-stage2-cam16-autoencoder" / "config.json"),
                 (stage1 / "best.safetensors").string()));
  // The study report lists the stage and says what it was trained on.
  const std::string report = read_text(out / "report.md");
  CHECK(contains(report, "wbc-1-stage1-segmentation"));
  CHECK(contains(report,
                 "Stage 1 (mask segmentation) trains on the generated cells that have a mask"));
  CHECK(!contains(report, "NOT run"));
  for (const char* sub_run :
       {"wbc-1-baseline", "wbc-1-stage2-cam16-autoencoder", "wbc-1-stage3-prcc-autoencoder",
        "wbc-1-stage4-wbc-autoencoder", "wbc-1-stage5-cam16-classifier", "wbc-1-stage6-enhanced"}) {
    CAPTURE(sub_run);
    CHECK(fs::exists(out / sub_run / "done"));
  }
}

TEST_CASE("reproduce has --help with examples and rejects bad flags with exit code 2") {
  testing::TempFolder scratch;
  const Result help = leuko("reproduce --help", scratch.path());
  CHECK(help.code == 0);
  CHECK(contains(help.out, "Examples"));
  CHECK(contains(help.out, "study-d"));
  for (const std::string arguments : {"reproduce study-z", "reproduce study-a --profile huge",
                                      "reproduce study-a --bogus", "reproduce"}) {
    const Result r = leuko(arguments, scratch.path());
    CHECK(r.code == 2);
    CHECK(contains(r.err, "leuko:"));
  }
}

}  // namespace leuko
