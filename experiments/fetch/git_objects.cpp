#include "experiments/fetch/git_objects.h"

#include <algorithm>
#include <fstream>

#include "engine/error.h"
#include "engine/io/hex.h"
#include "engine/io/sha1.h"

namespace leuko::fetch {

namespace {

std::string sort_key(const TreeEntry& entry) {
  return entry.is_folder() ? entry.name + "/" : entry.name;
}

std::string raw_id(const std::string& hex) {
  LEUKO_CHECK(hex.size() == 40 && hex.find_first_not_of("0123456789abcdef") == std::string::npos,
              "git object id '", hex, "': expected 40 lower-case hex digits");
  std::string bytes;
  for (size_t i = 0; i < 40; i += 2)
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

}  // namespace

std::string git_tree_id(std::vector<TreeEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const TreeEntry& a, const TreeEntry& b) { return sort_key(a) < sort_key(b); });
  std::string body;
  for (const TreeEntry& entry : entries)
    body += entry.mode + " " + entry.name + '\0' + raw_id(entry.id);
  Sha1 sha;
  sha.update("tree " + std::to_string(body.size()) + '\0');
  sha.update(body);
  return to_hex(sha.finish());
}

std::string git_blob_id_of_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  LEUKO_CHECK(in.good(), path.string(), ": cannot open the file");
  Sha1 sha;
  sha.update("blob " + std::to_string(std::filesystem::file_size(path)) + '\0');
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    sha.update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  return to_hex(sha.finish());
}

}  // namespace leuko::fetch
