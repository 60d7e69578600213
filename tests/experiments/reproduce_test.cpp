// End-to-end test of `leuko reproduce`: study A under the tiny smoke profile on generated
// data (no data root), its report (our columns beside the published ones, the banner, the
// differences section), the resume of a finished study, and usage errors. The binary is
// the one built next to this test (run `ninja leuko` before ctest).
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/data/temp_folder.h"
#include "tests/experiments/run_leuko.h"
#include "tests/support/testing.h"

namespace leuko {
namespace {

namespace fs = std::filesystem;

using Result = testing::LeukoResult;
using testing::read_text;

Result leuko(const std::string& arguments, const fs::path& scratch) {
  Result result = testing::run_leuko(arguments, scratch, "env -u LEUKO_DATA");
  INFO("leuko " << arguments << "\nstdout:\n" << result.out << "\nstderr:\n" << result.err);
  return result;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("reproduce study-a --profile smoke on generated data writes a complete study report") {
  testing::TempFolder scratch;
  const fs::path out = scratch / "study-a";
  const std::string arguments = cat("reproduce study-a --profile smoke --workers 1 --out '", out.string(), "'");
  const Result first = leuko(arguments, scratch.path());
  REQUIRE(first.code == 0);
  CHECK(contains(first.out, "GENERATED"));

  const std::string report = read_text(out / "report.md");
  CHECK(contains(report, "ours: accuracy"));
  CHECK(contains(report, "published: accuracy"));
  CHECK(contains(report, "0.8750"));     // the published Camelyon16 accuracy
  CHECK(contains(report, "0.00093"));    // the published pRCC test loss (9.3208e-4)
  CHECK(contains(report, "## Differences from the study"));
  CHECK(contains(report, "GENERATED"));
  CHECK(contains(report, "profile: `smoke`"));
  CHECK(contains(report, "WBC-1 base"));
  CHECK(contains(report, "WBC-1+ combined"));
  CHECK(contains(report, "not run under this profile"));  // WBC-10/50/100 are skipped by smoke
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

TEST_CASE("reproduce has --help with examples and rejects bad flags with exit code 2") {
  testing::TempFolder scratch;
  const Result help = leuko("reproduce --help", scratch.path());
  CHECK(help.code == 0);
  CHECK(contains(help.out, "Examples"));
  CHECK(contains(help.out, "study-d"));
  for (const std::string arguments :
       {"reproduce study-z", "reproduce study-a --profile huge", "reproduce study-a --bogus",
        "reproduce"}) {
    const Result r = leuko(arguments, scratch.path());
    CHECK(r.code == 2);
    CHECK(contains(r.err, "leuko:"));
  }
}

}  // namespace leuko
