// `leuko train` guarding its run folder and its numbers: a rerun with other settings, two
// runs into one folder, a folder that cannot be written, a diverging or non-finite loss,
// --detect-anomaly, and --skip-bad-images emptying a class. Each ends in one clear line.
// (Kills at random moments: crash_test.cpp.)
#include <tuple>
#include <nlohmann/json.hpp>

#include "engine/data/synthetic.h"
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

Result leuko(const std::string& arguments, const fs::path& scratch) {
  return testing::run_leuko(arguments, scratch);
}

// The last line of a program's output (what leuko says when it stops).
std::string last_line(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
}

struct Scratch {
  testing::TempFolder folder;
  fs::path data = folder / "data";
  Scratch() {
    data::write_synthetic_folder(
        data, {.size = 32, .train_per_class = 4, .test_per_class = 4, .seed = 3});
  }
  // A tiny_cnn run on the generated cells into `out`, with `extra` flags.
  std::string train(const std::string& out, const std::string& extra = "", int batch = 8,
                    int workers = 1) const {
    return cat("train --model tiny_cnn --size 32 --epochs 2 --batch ", batch, " --workers ",
               workers, " --data '", data.string(), "' --out '", (folder / out).string(), "' ",
               extra);
  }
};

}  // namespace

TEST_CASE("a rerun with other settings is refused naming the setting, and --restart starts over") {
  Scratch s;
  REQUIRE(leuko(s.train("run", "--seed 5"), s.folder.path()).code == 0);
  const std::string metrics = read_text(s.folder / "run/metrics.csv");
  for (const auto& [flags, batch, difference] :
       std::vector<std::tuple<std::string, int, std::string>>{
           {"--seed 6", 8, "seed is 5 there, 6 here"},
           {"--seed 5 --lr 0.02", 8, "lr is 0.01 there, 0.02 here"},
           {"--seed 5", 4, "batch is 8 there, 4 here"},
           {"--seed 5 --optimizer sgd", 8, "optimizer is \"adam\" there, \"sgd\" here"}}) {
    INFO(flags, " --batch ", batch);
    const Result r = leuko(s.train("run", flags, batch), s.folder.path());
    expect_one_line_failure(
        r, "run holds a run with other settings (checkpoint.safetensors): " + difference);
    CHECK(r.err.find("--restart") != std::string::npos);
  }
  // The refused runs changed nothing: config.json still describes seed 5.
  const nlohmann::json config = nlohmann::json::parse(read_text(s.folder / "run/config.json"));
  CHECK(config.at("seed") == 5);
  CHECK_FALSE(config.contains("synthetic_per_class"));  // given --data, it changes nothing
  // Settings that do not change what is computed may differ: this resumes the finished run.
  const Result workers = leuko(s.train("run", "--seed 5", 8, /*workers=*/2), s.folder.path());
  CHECK(workers.code == 0);
  CHECK(workers.out.find("resuming from") != std::string::npos);
  CHECK(read_text(s.folder / "run/metrics.csv") == metrics);

  // --restart deletes the earlier run: the result is that of a fresh run with the new seed.
  const Result restart = leuko(s.train("run", "--seed 6 --restart"), s.folder.path());
  CHECK(restart.code == 0);
  CHECK(restart.out.find("--restart: deleted the earlier run") != std::string::npos);
  REQUIRE(leuko(s.train("fresh", "--seed 6"), s.folder.path()).code == 0);
  CHECK(read_text(s.folder / "run/metrics.csv") == read_text(s.folder / "fresh/metrics.csv"));
  CHECK(read_text(s.folder / "run/results.json") == read_text(s.folder / "fresh/results.json"));
}

TEST_CASE(
    "on generated cells, a rerun with another --synthetic-per-class is refused like other "
    "settings") {
  testing::TempFolder folder;
  const auto train = [&](int per_class) {
    return testing::run_leuko(
        cat("train --model tiny_cnn --size 32 --epochs 1 --batch 8 --workers 1 ",
            "--synthetic-per-class ", per_class, " --out '", (folder / "run").string(), "'"),
        folder.path(), "env -u LEUKO_DATA");
  };
  REQUIRE(train(4).code == 0);
  CHECK(nlohmann::json::parse(read_text(folder / "run/config.json")).at("synthetic_per_class") ==
        4);
  expect_one_line_failure(train(6),
                          "run holds a run with other settings (checkpoint.safetensors): "
                          "synthetic_per_class is 4 there, 6 here");
}

TEST_CASE(
    "a folder without a checkpoint (the run failed or was killed in its first epoch) starts "
    "afresh") {
  Scratch s;
  REQUIRE(leuko(s.train("run", "--seed 5"), s.folder.path()).code == 0);
  fs::remove(s.folder / "run/checkpoint.safetensors");
  // Nothing was trained there: the run with other settings starts, and config.json says so.
  CHECK(leuko(s.train("run", "--seed 9"), s.folder.path()).code == 0);
  CHECK(nlohmann::json::parse(read_text(s.folder / "run/config.json")).at("seed") == 9);
}

TEST_CASE("a second run into a folder in use is refused naming the first one's pid") {
  Scratch s;
  const fs::path run = s.folder / "run";
  fs::create_directories(run);
  {
    const testing::HeldRunLock lock(run);
    const Result refused = leuko(s.train("run"), s.folder.path());
    expect_one_line_failure(
        refused, run.string() + " is in use by another leuko run (pid " + lock.pid() + ")");
    CHECK(refused.out.empty());  // refused before anything was read or written
    CHECK_FALSE(fs::exists(run / "config.json"));
  }
  // The lock is gone with its holder; the lock file left behind blocks nothing.
  CHECK(leuko(s.train("run"), s.folder.path()).code == 0);
}

TEST_CASE("an --out that cannot be written is reported before training starts") {
  Scratch s;
  // Tests run as root, whom permissions do not stop: a path under a regular file, and a
  // folder no one can create files in.
  for (const auto& [out, message] : std::vector<std::pair<std::string, std::string>>{
           {"/dev/null/x", "cannot create the run folder /dev/null/x: Not a directory"},
           {"/proc", "cannot write in the run folder /proc"}}) {
    INFO(out);
    const Result r = leuko(cat("train --model tiny_cnn --size 32 --epochs 1 --data '",
                               s.data.string(), "' --out ", out),
                           s.folder.path());
    expect_one_line_failure(r, message);
    CHECK(r.out.find("training") == std::string::npos);
  }
}

TEST_CASE(
    "a diverging loss, a NaN loss and --detect-anomaly stop with the epoch, step and culprit") {
  Scratch s;
  // Adam at lr 1e12 ended at a loss of 3.6e23 with exit 0 (issue #12 finding 7).
  expect_one_line_failure(leuko(s.train("adam", "--lr 1e12"), s.folder.path()),
                          "epoch 1 step 2: the loss");
  CHECK(last_line(leuko(s.train("adam", "--lr 1e12"), s.folder.path()).err)
            .find("is more than 10000 times the first step's loss") != std::string::npos);
  // SGD at 1e30: the loss itself is not finite; the message says which weights went bad.
  expect_one_line_failure(
      leuko(s.train("sgd", "--optimizer sgd --lr 1e30 --schedule constant"), s.folder.path()),
      "epoch 1 step 2: the loss is");
  // --detect-anomaly names the first op whose output was not finite.
  const Result anomaly =
      leuko(s.train("anomaly", "--optimizer sgd --lr 1e30 --schedule constant --detect-anomaly"),
            s.folder.path());
  expect_one_line_failure(anomaly, "epoch 1 step 2: detect-anomaly: the forward output of '");
  CHECK(anomaly.err.find("is not finite (its inputs are finite)") != std::string::npos);
}

TEST_CASE(
    "--skip-bad-images: the skipped count is in results.json and the report, an emptied class "
    "stops") {
  Scratch s;
  testing::write_bytes(s.data / "train/basophil/ba_0.png", {0x89, 'P', 'N', 'G', 1, 2, 3});
  REQUIRE(leuko(s.train("one", "--skip-bad-images"), s.folder.path()).code == 0);
  const nlohmann::json results = nlohmann::json::parse(read_text(s.folder / "one/results.json"));
  CHECK(results.at("skipped_images") ==
        nlohmann::json{{"train", 1}, {"validation", 0}, {"test", 0}});
  CHECK(read_text(s.folder / "one/report.md").find("1 unreadable image(s) were left out") !=
        std::string::npos);

  for (int k = 1; k < 4; ++k)
    testing::write_bytes(s.data / cat("train/basophil/ba_", k, ".png"),
                         {0x89, 'P', 'N', 'G', 1, 2, 3});
  const Result emptied = leuko(s.train("all", "--skip-bad-images"), s.folder.path());
  CHECK(emptied.code == 1);
  CHECK_MESSAGE(last_line(emptied.err)
                        .find("every image of class 'basophil' is unreadable (4 of 4 skipped") !=
                    std::string::npos,
                emptied.err);
}

}  // namespace leuko
