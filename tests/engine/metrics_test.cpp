#include "engine/metrics.h"

#include "tests/support/testing.h"

namespace leuko {
namespace {

std::vector<double> as_doubles(const Tensor& t) {
  const std::vector<float> values = t.to_vector();
  return {values.begin(), values.end()};
}

// Golden values from scripts/golden/metrics.py (numpy, from the definitions). They are
// stored as float32, so 1e-6 relative is the tolerance of the file, not of the math.
void check_values(const std::vector<double>& actual, const std::vector<double>& expected,
                  const std::string& what) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    INFO(what << "[" << i << "]");
    CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(1e-6));
  }
}

}  // namespace

TEST_CASE("metrics match numpy's from-the-definition values (golden)") {
  const SafetensorsFile golden = testing::load_golden("metrics");
  for (const std::string name : {"random_k5_n200", "zero_division_k4", "binary_k2_n9"}) {
    INFO("case " << name);
    const auto tensor = [&](const std::string& key) {
      return testing::golden_tensor(golden, name + "/" + key);
    };
    const Tensor expected_confusion = tensor("confusion");
    const int64_t k = expected_confusion.size(0);
    ConfusionMatrix confusion(k);
    confusion.add(tensor("labels").to_vector_i64(), tensor("predicted").to_vector_i64());
    CHECK(confusion.counts() == expected_confusion.to_vector_i64());

    const ClassificationReport report = classification_report(confusion);
    check_values(report.precision, as_doubles(tensor("precision")), "precision");
    check_values(report.recall, as_doubles(tensor("recall")), "recall");
    check_values(report.f1, as_doubles(tensor("f1")), "f1");
    CHECK(report.support == tensor("support").to_vector_i64());
    check_values({report.accuracy, report.macro_precision, report.macro_recall, report.macro_f1,
                  report.weighted_precision, report.weighted_recall, report.weighted_f1},
                 as_doubles(tensor("summary")), "summary");
  }
}

TEST_CASE("metrics by hand: 2 classes, zero division gives 0") {
  ConfusionMatrix confusion(3);
  // true 0 -> predicted 0 twice, true 0 -> 1 once, true 1 -> 1 once; class 2 never appears.
  confusion.add({0, 0, 0, 1}, {0, 0, 1, 1});
  const ClassificationReport report = classification_report(confusion);
  CHECK(report.accuracy == doctest::Approx(0.75));
  CHECK(report.precision[0] == doctest::Approx(1.0));
  CHECK(report.recall[0] == doctest::Approx(2.0 / 3.0));
  CHECK(report.f1[0] == doctest::Approx(0.8));
  CHECK(report.precision[1] == doctest::Approx(0.5));
  CHECK(report.recall[1] == doctest::Approx(1.0));
  CHECK(report.precision[2] == 0.0);
  CHECK(report.recall[2] == 0.0);
  CHECK(report.f1[2] == 0.0);
  CHECK(report.support == std::vector<int64_t>{3, 1, 0});
  CHECK(report.macro_f1 == doctest::Approx((0.8 + 2.0 / 3.0) / 3.0));
  CHECK(report.weighted_f1 == doctest::Approx(0.75 * 0.8 + 0.25 * 2.0 / 3.0));
}

TEST_CASE("an empty confusion matrix reports zeros, not NaN") {
  const ClassificationReport report = classification_report(ConfusionMatrix(2));
  CHECK(report.accuracy == 0.0);
  CHECK(report.macro_f1 == 0.0);
  CHECK(report.weighted_f1 == 0.0);
}

TEST_CASE("argmax_rows picks the first maximum of each row") {
  const Tensor logits = from_vector({0.1f, 0.7f, 0.7f, 3.0f, -1.0f, 2.0f}, {2, 3});
  CHECK(argmax_rows(logits) == std::vector<int64_t>{1, 0});
}

TEST_CASE("metrics: bad input gets a clear error") {
  ConfusionMatrix confusion(3);
  CHECK_THROWS_WITH_AS(confusion.add(3, 0), doctest::Contains("true class 3 is outside [0, 3)"),
                       leuko::Error);
  CHECK_THROWS_WITH_AS(confusion.add(0, -1),
                       doctest::Contains("predicted class -1 is outside [0, 3)"), leuko::Error);
  CHECK_THROWS_WITH_AS(confusion.add({0, 1}, {0}),
                       doctest::Contains("2 true classes but 1 predictions"), leuko::Error);
  CHECK_THROWS_WITH_AS(ConfusionMatrix(0), doctest::Contains("at least one class"), leuko::Error);
  CHECK_THROWS_WITH_AS(argmax_rows(zeros({4})), doctest::Contains("argmax_rows"), leuko::Error);
}

}  // namespace leuko
