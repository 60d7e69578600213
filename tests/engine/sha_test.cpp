// SHA-1 and SHA-256 against the tools everyone trusts: for each message the test writes it
// to a file and asks `git hash-object` (SHA-1 of "blob <size>\0" + bytes) and `sha256sum`
// what they make of it. The lengths around 55/56/64 bytes are where the padding changes from
// one block to two.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "engine/io/hex.h"
#include "engine/io/sha1.h"
#include "engine/io/sha256.h"
#include "engine/random.h"
#include "tests/data/temp_folder.h"
#include "tests/support/testing.h"

namespace leuko {
namespace {

std::string first_word_of_output(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char word[128] = {};
  const int read = std::fscanf(pipe, "%127s", word);
  ::pclose(pipe);
  REQUIRE_MESSAGE(read == 1, "no output from: ", command);
  return word;
}

std::string git_blob_id(const std::string& bytes) {
  Sha1 sha;
  sha.update("blob " + std::to_string(bytes.size()) + '\0');
  sha.update(bytes);
  return to_hex(sha.finish());
}

std::string sha256_hex(const std::string& bytes) {
  Sha256 sha;
  sha.update(bytes);
  return to_hex(sha.finish());
}

std::vector<std::string> messages() {
  std::vector<std::string> out = {"", "abc", std::string(1, '\0')};
  Generator g(7);
  for (int size : {55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70000}) {
    std::string bytes(size, ' ');
    for (char& c : bytes) c = static_cast<char>(g.next_u64() & 255);
    out.push_back(bytes);
  }
  return out;
}

TEST_CASE("SHA-1 git blob ids and SHA-256 digests equal git hash-object's and sha256sum's") {
  testing::TempFolder folder;
  const std::filesystem::path file = folder / "message.bin";
  for (const std::string& message : messages()) {
    std::ofstream(file, std::ios::binary).write(message.data(), message.size());
    CAPTURE(message.size());
    CHECK(git_blob_id(message) == first_word_of_output("git hash-object '" + file.string() + "'"));
    CHECK(sha256_hex(message) == first_word_of_output("sha256sum '" + file.string() + "'"));
  }
}

TEST_CASE("the published test vectors, and bytes fed in pieces hash as fed at once") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha1 abc;
  abc.update("abc");
  CHECK(to_hex(abc.finish()) == "a9993e364706816aba3e25717850c26c9cd0d89d");

  const std::string message = messages().back();
  Sha256 pieces;
  for (size_t at = 0; at < message.size(); at += 37) pieces.update(message.substr(at, 37));
  CHECK(to_hex(pieces.finish()) == sha256_hex(message));
}

}  // namespace
}  // namespace leuko
