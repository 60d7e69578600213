#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/io/safetensors.h"
#include "tests/support/testing.h"

using namespace leuko;
namespace fs = std::filesystem;

static fs::path temp_path(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / "leuko_safetensors_test";
  fs::create_directories(dir);
  return dir / name;
}

static void write_raw(const fs::path& path, const std::string& header, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  const uint64_t size = header.size();
  out.write(reinterpret_cast<const char*>(&size), 8);
  out << header << data;
}

TEST_CASE("safetensors round trip keeps names, shapes, dtypes, values and metadata") {
  const fs::path path = temp_path("roundtrip.safetensors");
  std::map<std::string, Tensor> tensors{
      {"layer1.0.conv1.weight", from_vector({1, 2, 3, 4, 5, 6}, {1, 2, 3})},
      {"bn.num_batches_tracked", from_vector_i64({7}, {})},
      {"view", from_vector({1, 2, 3, 4}, {2, 2}).transpose(0, 1)},
      {"winners", empty({3}, DType::i32)}};
  int32_t* winners = tensors["winners"].data<int32_t>();
  winners[0] = -1, winners[1] = 5, winners[2] = 1 << 30;
  save_safetensors(path, tensors, {{"format", "pt"}});
  CHECK_FALSE(fs::exists(path.string() + ".tmp"));
  SafetensorsFile file = load_safetensors(path);
  CHECK(file.metadata.at("format") == "pt");
  REQUIRE(file.tensors.size() == 4);
  CHECK(file.tensors["layer1.0.conv1.weight"].shape() == Shape{1, 2, 3});
  CHECK(file.tensors["layer1.0.conv1.weight"].to_vector() == tensors["layer1.0.conv1.weight"].to_vector());
  CHECK(file.tensors["bn.num_batches_tracked"].dtype() == DType::i64);
  CHECK(file.tensors["bn.num_batches_tracked"].item() == 7.0f);
  CHECK(file.tensors["view"].to_vector() == std::vector<float>{1, 3, 2, 4});
  REQUIRE(file.tensors["winners"].dtype() == DType::i32);
  const int32_t* loaded = file.tensors["winners"].data<int32_t>();
  CHECK(std::vector<int32_t>(loaded, loaded + 3) == std::vector<int32_t>{-1, 5, 1 << 30});
  // The header is padded so the data starts 8-byte aligned, as the format recommends.
  std::ifstream in(path, std::ios::binary);
  uint64_t header_size = 0;
  in.read(reinterpret_cast<char*>(&header_size), 8);
  CHECK(header_size % 8 == 0);
}

TEST_CASE("broken safetensors files get errors naming the file and the problem") {
  const fs::path path = temp_path("broken.safetensors");
  CHECK_THROWS_WITH_AS(load_safetensors(temp_path("missing.safetensors")),
                       doctest::Contains("cannot open"), Error);

  std::ofstream(path, std::ios::binary) << "abc";
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("shorter than the 8-byte"), Error);

  write_raw(path, R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "1234");
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("outside the file (truncated?)"), Error);

  write_raw(path, R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", "1234");
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("has dtype F16"), Error);

  write_raw(path, R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678");
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("needs 12 bytes"), Error);

  write_raw(path, R"({"w": not json)", "");
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("not valid JSON"), Error);

  std::ofstream(path, std::ios::binary) << std::string("\xff\xff\xff\xff\x00\x00\x00\x00", 8);
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains(path.string().c_str()), Error);
}
