#include "experiments/run_folder.h"

#include <array>
#include <cstdio>
#include <memory>

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

// stdout of `command`, or "" when it fails.
std::string command_output(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return "";
  std::string out;
  std::array<char, 256> buffer;
  while (fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

std::string git_commit() {
  std::error_code error;
  const std::filesystem::path binary_dir =
      std::filesystem::read_symlink("/proc/self/exe", error).parent_path();
  for (const std::filesystem::path& dir : {binary_dir, std::filesystem::current_path(error)}) {
    if (dir.empty()) continue;
    const std::string commit =
        command_output("git -C '" + dir.string() + "' rev-parse HEAD 2>/dev/null");
    if (commit.size() == 40) return commit;
  }
  return "unknown";
}

}  // namespace leuko::cli
