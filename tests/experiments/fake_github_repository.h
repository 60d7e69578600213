// A stand-in for a GitHub repository in the data-fetch tests: files the test makes are
// committed with the real `git`, so the tree and blob ids are git's own, and served from a
// LoopbackHttpServer at GitHub's two addresses: the trees API's JSON listing of every folder
// (/repos/<owner>/<name>/git/trees/<tree id>) and the raw files
// (/<owner>/<name>/<commit>/<path>).
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "engine/error.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/testing.h"

namespace leuko::testing {

// What a shell command printed; REQUIREs that it succeeded.
inline std::string shell_output(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  while (const size_t got = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, got);
  const int status = ::pclose(pipe);
  REQUIRE_MESSAGE(status == 0, command, " failed: ", out);
  return out;
}

class FakeGithubRepository {
 public:
  FakeGithubRepository(std::filesystem::path work_tree, std::string repository)
      : work_(std::move(work_tree)), repository_(std::move(repository)) {}

  void add(const std::string& path, const std::string& bytes) {
    const std::filesystem::path file = work_ / path;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    for (std::filesystem::path folder = std::filesystem::path(path).parent_path();;
         folder = folder.parent_path()) {
      folders_.insert(folder.string());
      if (folder.empty()) break;
    }
  }

  // Commits what was added and puts every folder listing and file on `server`.
  void publish(LoopbackHttpServer& server) {
    const std::string git = "git -C '" + work_.string() + "' ";
    shell_output(git + "init -q");
    shell_output(git + "add .");
    shell_output(git + "-c user.name=leuko -c user.email=leuko@test commit -q -m fake");
    commit_ = trimmed(shell_output(git + "rev-parse HEAD"));
    for (const std::string& folder : folders_) {
      const std::string id = trimmed(shell_output(git + "rev-parse 'HEAD:" + folder + "'"));
      trees_[folder] = id;
      nlohmann::json tree = nlohmann::json::array();
      std::istringstream lines(shell_output(git + "ls-tree -l " + id));
      for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line.substr(0, line.find('\t')));
        std::string mode, type, sha, size;
        fields >> mode >> type >> sha >> size;
        nlohmann::json entry = {{"path", line.substr(line.find('\t') + 1)},
                                {"mode", mode},
                                {"type", type},
                                {"sha", sha}};
        if (type == "blob") entry["size"] = std::stoll(size);
        tree.push_back(entry);
      }
      listings_[folder] = nlohmann::json{{"sha", id}, {"tree", tree}, {"truncated", false}}.dump();
      server.serve(listing_path(folder), listings_[folder]);
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(work_)) {
      const std::string path = std::filesystem::relative(entry.path(), work_).string();
      if (entry.is_regular_file() && path.rfind(".git", 0) != 0) {
        std::ifstream in(entry.path(), std::ios::binary);
        server.serve(raw_path(path), std::string(std::istreambuf_iterator<char>(in), {}));
      }
    }
  }

  std::string raw_path(const std::string& path) const {
    return "/" + repository_ + "/" + commit_ + "/" + path;
  }
  // The JSON served for `folder` (GitHub's trees API format).
  const std::string& listing(const std::string& folder) const { return listings_.at(folder); }
  std::string listing_path(const std::string& folder) const {
    return "/repos/" + repository_ + "/git/trees/" + trees_.at(folder);
  }

  // A --pins file naming this repository, its commit and the tree id of each folder.
  void write_pins(const std::filesystem::path& file, const std::string& dataset,
                  const std::vector<std::string>& folders) const {
    nlohmann::json trees = nlohmann::json::object();
    for (const std::string& folder : folders) trees[folder] = trees_.at(folder);
    std::ofstream(file) << nlohmann::json{
        {dataset,
         {{"repository", repository_},
          {"commit", commit_},
          {"folders", trees}}}}.dump(2);
  }

 private:
  static std::string trimmed(const std::string& text) {
    return text.substr(0, text.find_last_not_of("\r\n") + 1);
  }

  std::filesystem::path work_;
  std::string repository_, commit_;
  std::set<std::string> folders_;
  std::map<std::string, std::string> trees_, listings_;
};

}  // namespace leuko::testing
