// engine/format.h: how reports and tables write numbers.
#include "engine/format.h"

#include <cmath>

#include "tests/support/testing.h"

using namespace leuko;

TEST_CASE("fixed writes the decimals asked for, and the given text for a NaN") {
  CHECK(fixed(0.91504, 3) == "0.915");
  CHECK(fixed(2.5, 0) == "2");  // printf rounds halves to even
  CHECK(fixed(-0.125, 2) == "-0.12");
  CHECK(fixed(std::nan(""), 4) == "");
  CHECK(fixed(std::nan(""), 4, "-") == "-");
}

TEST_CASE("grouped writes thousands apart, as the spec's parameter counts") {
  CHECK(grouped(0) == "0");
  CHECK(grouped(999) == "999");
  CHECK(grouped(1000) == "1,000");
  CHECK(grouped(175533) == "175,533");
  CHECK(grouped(11176512) == "11,176,512");
  CHECK(grouped(-1234567) == "-1,234,567");
}
