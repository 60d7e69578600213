#include "engine/error.h"
#include "engine/ops.h"
#include "tests/support/testing.h"

using namespace leuko;

TEST_CASE("factories give the requested shape, dtype and values") {
  Tensor z = zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.dtype() == DType::f32);
  CHECK(z.is_contiguous());
  CHECK(z.strides() == Shape{3, 1});
  for (float v : z.to_vector()) CHECK(v == 0.0f);
  Tensor f = full({4}, 2.5f);
  for (float v : f.to_vector()) CHECK(v == 2.5f);
  Tensor labels = from_vector_i64({3, 1, 4}, {3});
  CHECK(labels.dtype() == DType::i64);
  CHECK(labels.to_vector_i64() == std::vector<int64_t>{3, 1, 4});
  CHECK(scalar(7.0f).item() == 7.0f);
}

TEST_CASE("bad shapes and dtypes get clear errors") {
  CHECK_THROWS_WITH_AS(from_vector(std::vector<float>{1, 2, 3}, {2, 2}),
                       "from_vector: 3 values do not fill shape [2, 2]", Error);
  CHECK_THROWS_AS(zeros({2, -1}), Error);
  CHECK_THROWS_WITH_AS(zeros({2}).item(), doctest::Contains("expected exactly one"), Error);
  CHECK_THROWS_WITH_AS(zeros({2}, DType::i64).data<float>(), doctest::Contains("int64"), Error);
  CHECK_THROWS_WITH_AS(zeros({2}).size(3), doctest::Contains("out of range"), Error);
}

TEST_CASE("reshape, permute and slice are views sharing storage") {
  Tensor x = from_vector({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor r = x.reshape({3, 2});
  CHECK(r.impl()->storage == x.impl()->storage);
  CHECK(x.reshape({-1}).shape() == Shape{6});
  Tensor t = x.transpose(0, 1);
  CHECK(t.shape() == Shape{3, 2});
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.to_vector() == std::vector<float>{0, 3, 1, 4, 2, 5});
  CHECK(t.contiguous().is_contiguous());
  Tensor s = x.slice(1, 0, 3, 2);
  CHECK(s.to_vector() == std::vector<float>{0, 2, 3, 5});
  s.fill_(9.0f);  // writes through the view
  CHECK(x.to_vector() == std::vector<float>{9, 1, 9, 9, 4, 9});
  CHECK(x.slice(0, -1, 2).to_vector() == std::vector<float>{9, 4, 9});
  CHECK_THROWS_WITH_AS(x.reshape({4, 2}), doctest::Contains("cannot view shape [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(x.permute({0, 0}), doctest::Contains("repeated"), Error);
}

TEST_CASE("flatten merges the chosen range of dims") {
  Tensor x = zeros({2, 3, 4, 5});
  CHECK(x.flatten().shape() == Shape{2, 60});
  CHECK(x.flatten(0, 1).shape() == Shape{6, 4, 5});
  CHECK(x.flatten(-2).shape() == Shape{2, 3, 20});
}

TEST_CASE("a transposed 3-D view copies back in logical order") {
  Tensor x = from_vector({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 3, 2});
  Tensor p = x.permute({2, 0, 1}).contiguous();
  CHECK(p.shape() == Shape{2, 2, 3});
  CHECK(p.to_vector() == std::vector<float>{0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11});
}

TEST_CASE("pretty printing shows values, shape and elides long rows") {
  const std::string s = from_vector({1, 2, 3, 4}, {2, 2}).str();
  CHECK(s.find("1.0000") != std::string::npos);
  CHECK(s.find("shape=[2, 2]") != std::string::npos);
  const std::string long_row = zeros({100}).str();
  CHECK(long_row.find("...") != std::string::npos);
  CHECK(long_row.size() < 200);
}
