#include "engine/data/data_root.h"

#include <cstdlib>
#include <optional>
#include <string>

#include "engine/error.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

using namespace leuko;
using namespace leuko::data;
using namespace leuko::testing;

namespace {

// Sets LEUKO_DATA for one test and puts the old value back afterwards.
class ScopedDataEnv {
 public:
  explicit ScopedDataEnv(const char* value) {
    if (const char* old = std::getenv("LEUKO_DATA")) old_ = old;
    if (value)
      setenv("LEUKO_DATA", value, 1);
    else
      unsetenv("LEUKO_DATA");
  }
  ~ScopedDataEnv() {
    if (old_)
      setenv("LEUKO_DATA", old_->c_str(), 1);
    else
      unsetenv("LEUKO_DATA");
  }

 private:
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("the data root comes from --data, else LEUKO_DATA, else none (synthetic)") {
  TempFolder a, b;
  {
    ScopedDataEnv env(nullptr);
    CHECK(resolve_data_root("").empty());
    CHECK(resolve_data_root(a.path().string()) == a.path());
  }
  {
    ScopedDataEnv env(b.path().c_str());
    CHECK(resolve_data_root("") == b.path());
    CHECK(resolve_data_root(a.path().string()) == a.path());  // the command line wins
  }
  {
    ScopedDataEnv env("/no/such/leuko/data");
    CHECK_THROWS_WITH_AS(
        resolve_data_root(""),
        doctest::Contains(
            "data root /no/such/leuko/data (from LEUKO_DATA): not an existing folder"),
        Error);
  }
  CHECK_THROWS_WITH_AS(resolve_data_root("/no/such/dir"),
                       doctest::Contains("(from --data): not an existing folder"), Error);
}

TEST_CASE("wbc_subset_counts gives floor(p * N_c) per class from <root>/pbc/train") {
  TempFolder root;
  const int counts[] = {3, 12, 25};
  const char* names[] = {"b", "a", "c"};
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < counts[c]; ++i)
      write_pattern(
          root / ("pbc/train/" + std::string(names[c]) + "/" + std::to_string(i) + ".png"), 2, 2);
  const WbcSubsetCounts table = wbc_subset_counts(root.path());
  CHECK(table.classes == std::vector<std::string>{"a", "b", "c"});
  CHECK(table.fractions == std::vector<double>{0.01, 0.1, 0.5, 1.0});
  CHECK(table.counts[0] == std::vector<int64_t>{0, 0, 0});
  CHECK(table.counts[1] == std::vector<int64_t>{1, 0, 2});
  CHECK(table.counts[2] == std::vector<int64_t>{6, 1, 12});
  CHECK(table.counts[3] == std::vector<int64_t>{12, 3, 25});
  CHECK(table.totals == std::vector<int64_t>{0, 3, 19, 40});
  CHECK_THROWS_WITH_AS(wbc_subset_counts(root / "nothing"),
                       doctest::Contains("pbc/train: the folder does not exist"), Error);
}
