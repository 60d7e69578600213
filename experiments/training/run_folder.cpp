#include "experiments/training/run_folder.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "engine/error.h"
#include "engine/io/safetensors.h"

namespace leuko::cli {

RunFolder::RunFolder(std::filesystem::path root) : root_(std::move(root)) {
  std::error_code error;
  std::filesystem::create_directories(root_, error);
  LEUKO_CHECK(!error && std::filesystem::is_directory(root_), "cannot create the run folder ",
              root_.string(), (error ? ": " + error.message() : std::string()));
}

bool RunFolder::exists(const std::string& relative) const {
  return std::filesystem::exists(file(relative));
}

void RunFolder::write(const std::string& relative, const std::string& text) const {
  const std::filesystem::path path = file(relative);
  std::filesystem::create_directories(path.parent_path());
  write_file_atomically(path.string(), text);
}

namespace {

// The first line of a small text file, without its line end; "" when it cannot be read.
std::string first_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool is_commit_id(const std::string& text) {
  return text.size() == 40 && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c));
         });
}

}  // namespace

std::string git_commit() {
  // Reads the repository's files instead of running git: no process, so no shell that a
  // folder's name could smuggle a command into. HEAD holds a commit id (detached) or
  // "ref: refs/heads/<branch>", whose id is in that file or, once git has packed its
  // refs, on a line "<id> refs/heads/<branch>" of packed-refs.
  std::filesystem::path git = std::filesystem::path(LEUKO_SOURCE_DIR) / ".git";
  if (std::filesystem::is_regular_file(git)) {  // a worktree: ".git" names the real folder
    const std::string pointer = first_line(git);
    if (pointer.rfind("gitdir: ", 0) != 0) return "unknown";
    git = git.parent_path() / pointer.substr(8);
  }
  const std::string head = first_line(git / "HEAD");
  if (is_commit_id(head)) return head;
  if (head.rfind("ref: ", 0) != 0) return "unknown";
  const std::string ref = head.substr(5);
  // A worktree keeps its HEAD but shares the refs of the main repository (named in commondir).
  std::filesystem::path common = git;
  if (const std::string shared = first_line(git / "commondir"); !shared.empty())
    common = git / shared;
  for (const std::filesystem::path& dir : {git, common}) {
    if (const std::string id = first_line(dir / ref); is_commit_id(id)) return id;
  }
  std::ifstream packed(common / "packed-refs");
  for (std::string line; std::getline(packed, line);) {
    if (line.size() == 41 + ref.size() && line.compare(41, std::string::npos, ref) == 0 &&
        is_commit_id(line.substr(0, 40)))
      return line.substr(0, 40);
  }
  return "unknown";
}

}  // namespace leuko::cli
