// A run folder: where one training run keeps everything it writes (config.json,
// metrics.csv, checkpoints, results.json, report.md, plots/, reconstructions/). Every file
// goes through a temp file + rename, so a killed run never leaves a half-written file.
#pragma once

#include <filesystem>
#include <string>

namespace leuko::cli {

class RunFolder {
 public:
  explicit RunFolder(std::filesystem::path root);  // creates the folder if needed

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path file(const std::string& relative) const { return root_ / relative; }
  bool exists(const std::string& relative) const;

  // Writes `text` to root/relative atomically, creating parent folders.
  void write(const std::string& relative, const std::string& text) const;

 private:
  std::filesystem::path root_;
};

// The git commit of the source tree this binary was built from (LEUKO_SOURCE_DIR, set by
// CMake), read from its .git folder; "unknown" when that repository is gone or unreadable.
std::string git_commit();

}  // namespace leuko::cli
