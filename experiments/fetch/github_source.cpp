#include "experiments/fetch/github_source.h"

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "experiments/fetch/git_objects.h"

namespace leuko::fetch {

namespace {

using nlohmann::json;

// RFC 3986's unreserved characters stay, '/' separates components, the rest is %XX.
std::string percent_encode_path(const std::string& path) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

// GitHub spells a folder's mode "040000"; inside a tree object git writes "40000".
std::string tree_object_mode(const std::string& mode) { return mode == "040000" ? "40000" : mode; }

std::vector<SourceFile> list_folder(HttpClient& http, const SourceServers& servers,
                                    const SourcePins& pins, const std::string& folder,
                                    const std::string& tree_id) {
  const std::string url = servers.api + "/repos/" + pins.repository + "/git/trees/" + tree_id;
  const std::string where = cat("listing of ", pins.repository, "/", folder, " (", url, ")");
  json listing;
  try {
    listing = json::parse(http.get_text(url));
  } catch (const json::exception& e) {
    throw Error(cat(where, ": not JSON (", e.what(), ")"));
  }
  LEUKO_CHECK(listing.contains("tree") && listing["tree"].is_array(), where,
              ": expected a JSON object with a \"tree\" array");
  LEUKO_CHECK(!listing.value("truncated", false), where, ": GitHub truncated it");
  std::vector<TreeEntry> entries;
  std::vector<SourceFile> files;
  try {
    for (const json& item : listing["tree"]) {
      TreeEntry entry{tree_object_mode(item.at("mode")), item.at("path"), item.at("sha")};
      if (item.at("type") == "blob") {
        files.push_back({folder, entry.name, entry.id, item.at("size").get<int64_t>()});
      }
      entries.push_back(std::move(entry));
    }
  } catch (const json::exception& e) {
    throw Error(cat(where, ": an entry lacks mode, path, type, sha or size (", e.what(), ")"));
  }
  const std::string listed_id = git_tree_id(entries);
  LEUKO_CHECK(listed_id == tree_id, where, ": its entries hash to tree ", listed_id,
              ", expected the pinned ", tree_id);
  return files;
}

}  // namespace

void override_pins(SourcePins& pins, const std::string& dataset,
                   const std::filesystem::path& file) {
  std::ifstream in(file);
  LEUKO_CHECK(in.good(), "--pins ", file.string(), ": cannot open the file");
  try {
    const json all = json::parse(in);
    if (!all.contains(dataset)) return;
    const json& mine = all.at(dataset);
    pins.repository = mine.at("repository");
    pins.commit = mine.at("commit");
    pins.folder_trees = mine.at("folders").get<std::map<std::string, std::string>>();
  } catch (const json::exception& e) {
    throw Error(cat("--pins ", file.string(), ": expected {\"", dataset,
                    "\": {\"repository\", \"commit\", \"folders\": {path: tree id}}} (", e.what(),
                    ")"));
  }
}

std::vector<SourceFile> list_source_files(HttpClient& http, const SourceServers& servers,
                                          const SourcePins& pins) {
  std::vector<SourceFile> files;
  for (const auto& [folder, tree_id] : pins.folder_trees) {
    const std::vector<SourceFile> listed = list_folder(http, servers, pins, folder, tree_id);
    files.insert(files.end(), listed.begin(), listed.end());
  }
  return files;
}

std::string raw_file_url(const SourceServers& servers, const SourcePins& pins,
                         const SourceFile& file) {
  return servers.raw + "/" + pins.repository + "/" + pins.commit + "/" +
         percent_encode_path(file.path());
}

}  // namespace leuko::fetch
