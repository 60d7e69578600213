#include "experiments/fetch/fetch_dataset.h"

#include <cstdio>
#include <fstream>

#include "engine/error.h"
#include "experiments/fetch/http_client.h"
#include "experiments/fetch/source_download.h"

namespace leuko::fetch {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStateFolder = ".leuko-fetch";

std::string read_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

void write_line_atomically(const fs::path& path, const std::string& line) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary);
    out << line << "\n";
    LEUKO_CHECK(out.good(), temporary.string(), ": write failed");
  }
  fs::rename(temporary, path);
}

// Refuses a folder that holds something other than this recipe's fetch.
// Returns true when that fetch is already complete.
bool check_destination(const fs::path& root, const fs::path& out, const std::string& source) {
  LEUKO_CHECK(!fs::exists(root) || fs::is_directory(root), "data fetch: ", root.string(),
              " is a file, expected a folder (the data root that holds pbc/, idc/, ...)");
  if (!fs::exists(out)) return false;
  LEUKO_CHECK(fs::is_directory(out), "data fetch: ", out.string(), " is a file, expected a folder");
  const fs::path state = out / kStateFolder;
  LEUKO_CHECK(fs::exists(state) || fs::is_empty(out), "data fetch: ", out.string(),
              " already holds files that `leuko data fetch` did not put there (no ", kStateFolder,
              "/); move them away or choose another DIR");
  if (!fs::exists(state / "source")) return false;
  const std::string fetched = read_line(state / "source");
  LEUKO_CHECK(fetched == source, "data fetch: ", out.string(), " holds a fetch of ", fetched,
              ", not of ", source, "; remove it to fetch again");
  return fs::exists(state / "complete");
}

// Moves the finished layout into place: each top-level entry replaces any copy a stopped
// run had moved already.
void move_into_place(const fs::path& layout, const fs::path& out) {
  for (const fs::directory_entry& entry : fs::directory_iterator(layout)) {
    const fs::path target = out / entry.path().filename();
    fs::remove_all(target);
    fs::rename(entry.path(), target);
  }
}

}  // namespace

void fetch_dataset(const DatasetRecipe& recipe, const fs::path& root,
                   const SourceServers& servers) {
  const fs::path out = root / recipe.name;
  const fs::path state = out / kStateFolder;
  const std::string source = recipe.pins.repository + "@" + recipe.pins.commit;
  if (check_destination(root, out, source)) {
    std::printf("%s: already complete in %s (from %s); nothing to do\n", recipe.name.c_str(),
                out.c_str(), source.c_str());
    return;
  }
  fs::create_directories(state);
  write_line_atomically(state / "source", source);

  HttpClient http;
  const std::vector<SourceFile> listed = list_source_files(http, servers, recipe.pins);
  const std::vector<SourceFile> selected = recipe.select(listed);
  LEUKO_CHECK(!selected.empty(), "data fetch ", recipe.name, ": the listing of ", source,
              " holds none of the files the recipe needs");
  download_source_files(http, servers, recipe.pins, selected, state / "source-files", recipe.name);

  // A stopped layout is redone whole: it is cheap next to the download.
  const fs::path layout = state / "layout";
  fs::remove_all(layout);
  fs::create_directories(layout);
  recipe.lay_out(listed, state / "source-files", layout);
  move_into_place(layout, out);
  write_line_atomically(state / "complete", source);
  fs::remove_all(state / "source-files");
  fs::remove_all(layout);
  std::printf("%s: complete in %s (from %s)\n", recipe.name.c_str(), out.c_str(), source.c_str());
}

}  // namespace leuko::fetch
