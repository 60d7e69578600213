// Where a dataset's files come from: folders of a public GitHub repository at a pinned
// commit, each folder pinned by its git tree id. The listing of a folder comes from GitHub's
// trees API and is believed only when its entries hash to the pinned tree id; the files
// come from raw.githubusercontent.com and are checked against the listed blob ids.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "experiments/fetch/http_client.h"

namespace leuko::fetch {

struct SourcePins {
  std::string repository;  // "owner/name"
  std::string commit;      // 40 hex digits
  // Folder path in the repository ("" for its top) -> the tree id it has at that commit.
  std::map<std::string, std::string> folder_trees;
};

// Replaces the pins of the recipe named `dataset` with those of a JSON file:
// {"<dataset>": {"repository": "...", "commit": "...", "folders": {"<path>": "<tree id>"}}}
// (a fork or a test mirror). A file without that dataset leaves `pins` as they are.
void override_pins(SourcePins& pins, const std::string& dataset, const std::filesystem::path& file);

// The two servers: GitHub's API (listings) and its raw file host. `--mirror URL` puts both
// at one URL, where the paths do not collide: /repos/<owner>/<name>/git/trees/<id> and
// /<owner>/<name>/<commit>/<path>.
struct SourceServers {
  std::string api = "https://api.github.com";
  std::string raw = "https://raw.githubusercontent.com";
};

// One file of a listed folder.
struct SourceFile {
  std::string folder;  // as pinned, e.g. "wbc/monocyte"
  std::string name;    // e.g. "MO_100695.jpg"
  std::string blob_id;
  int64_t size = 0;
  std::string path() const { return folder.empty() ? name : folder + "/" + name; }
};

// The files (not sub-folders) of every pinned folder, each listing checked against its
// tree id; a mismatch is an Error naming the folder, the URL and both ids.
std::vector<SourceFile> list_source_files(HttpClient& http, const SourceServers& servers,
                                          const SourcePins& pins);

// The raw URL of a file at the pinned commit (path components percent-encoded).
std::string raw_file_url(const SourceServers& servers, const SourcePins& pins,
                         const SourceFile& file);

}  // namespace leuko::fetch
