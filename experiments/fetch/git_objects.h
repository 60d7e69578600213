// Git's object ids, recomputed here so that downloads can be checked against ids pinned in
// the source code. A file's id is SHA-1("blob <size>\0" + bytes); a folder's (a tree's) is
// SHA-1("tree <size>\0" + entries), each entry "<mode> <name>\0" + its id as 20 raw bytes,
// in git's order. So one pinned tree id vouches for the name, mode and id of every file in
// the folder, and each file's id for its bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace leuko::fetch {

struct TreeEntry {
  std::string mode;  // "100644", "100755" (files), "40000" (folders), "120000", "160000"
  std::string name;  // one path component
  std::string id;    // 40 hex digits
  bool is_folder() const { return mode == "40000"; }
};

// The id of a tree holding these entries (in any order: they are sorted as git sorts them,
// a folder's name compared as if it ended in '/').
std::string git_tree_id(std::vector<TreeEntry> entries);

// The blob id of a file's bytes, read in pieces (files of any size).
std::string git_blob_id_of_file(const std::filesystem::path& path);

}  // namespace leuko::fetch
