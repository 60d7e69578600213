#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

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
  CHECK(file.tensors["layer1.0.conv1.weight"].to_vector() ==
        tensors["layer1.0.conv1.weight"].to_vector());
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
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("outside the file (truncated?)"),
                       Error);

  write_raw(path, R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", "1234");
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("has dtype F16"), Error);

  write_raw(path, R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678");
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("needs 12 bytes"), Error);

  write_raw(path, R"({"w": not json)", "");
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("not valid JSON"), Error);

  std::ofstream(path, std::ios::binary) << std::string("\xff\xff\xff\xff\x00\x00\x00\x00", 8);
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains(path.string().c_str()), Error);
}

// A file with `length` as its header length, whatever the header's real size.
static void write_with_length(const fs::path& path, uint64_t length, const std::string& header,
                              const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&length), 8);
  out << header << data;
}

TEST_CASE(
    "the tensors must cover the data section exactly: a header length a few bytes off is refused") {
  const fs::path path = temp_path("shifted.safetensors");
  // Two tensors, then spaces padding the header (as writers do, for alignment).
  const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}   )";
  const std::string data(8, '\0');
  write_with_length(path, header.size(), header, data);
  CHECK(load_safetensors(path).tensors.size() == 2);
  // 1 to 3 bytes short: the JSON still parses, and every tensor would be read shifted.
  for (uint64_t short_by = 1; short_by <= 3; ++short_by) {
    INFO("header length short by ", short_by);
    write_with_length(path, header.size() - short_by, header, data);
    const std::string message = cat("the last ", short_by, " bytes of the");
    CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains(message.c_str()), Error);
  }
  write_with_length(path, 1, header, data);
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("header of 1 bytes announced"),
                       Error);
}

TEST_CASE("gaps, overlaps, duplicated keys and impossible shapes are refused") {
  const fs::path path = temp_path("crafted.safetensors");
  write_raw(path,
            R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
            R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
            std::string(8, '\0'));
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("has the key 'a' twice"), Error);

  write_raw(path, R"({"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}})",
            std::string(4, '\0'));
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("has the key 'dtype' twice"),
                       Error);

  write_raw(path,
            R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
            R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
            std::string(8, '\0'));
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("two tensors overlap"), Error);

  write_raw(path,
            R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
            R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
            std::string(12, '\0'));
  CHECK_THROWS_WITH_AS(load_safetensors(path),
                       doctest::Contains("bytes 4 to 8 of the data section belong to no tensor"),
                       Error);

  // 2^62 x 4 floats: the byte count wraps around to 0 in 64 bits.
  write_raw(path, R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})",
            "");
  CHECK_THROWS_WITH_AS(load_safetensors(path),
                       doctest::Contains("tensor 'a' has an impossible shape"), Error);
  write_raw(path, R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", "");
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains("impossible shape"), Error);
}

TEST_CASE("check_finite names the first tensor holding a NaN or an infinity") {
  const Tensor good = from_vector({1, 2}, {2});
  CHECK_NOTHROW(check_finite({{"good", good}}, "weights.safetensors"));
  const Tensor nan = from_vector({1, std::nanf(""), 3}, {3});
  CHECK_THROWS_WITH_AS(
      check_finite({{"good", good}, {"layer.weight", nan}}, "weights.safetensors"),
      doctest::Contains("weights.safetensors: tensor 'layer.weight' holds nan at element 1"),
      Error);
  const Tensor inf = from_vector({-std::numeric_limits<float>::infinity()}, {1});
  CHECK_THROWS_WITH_AS(check_finite({{"bias", inf}}, "w"),
                       doctest::Contains("tensor 'bias' holds -inf"), Error);
}

// Every fsync the program makes, by the path of the file or folder synced: this definition
// takes the place of the C library's for the whole test binary (the engine is linked in
// statically), and passes each call on to the kernel.
static std::vector<std::string> synced_paths;
extern "C" int fsync(int fd) {
  std::error_code error;
  synced_paths.push_back(fs::read_symlink("/proc/self/fd/" + std::to_string(fd), error).string());
  return static_cast<int>(syscall(SYS_fsync, fd));
}

TEST_CASE("an atomic write syncs the temp file before the rename and the folder after it") {
  const fs::path path = temp_path("synced.safetensors");
  fs::remove(path);
  synced_paths.clear();
  save_safetensors(path, {{"w", from_vector({1, 2}, {2})}});
  REQUIRE(synced_paths.size() == 2);
  CHECK(synced_paths[0] == path.string() + ".tmp");  // the data, before it is renamed into place
  CHECK(synced_paths[1] == path.parent_path().string());  // the rename itself
  CHECK(load_safetensors(path).tensors.at("w").to_vector() == std::vector<float>{1, 2});
}
