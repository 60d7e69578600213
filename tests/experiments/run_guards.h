// What the CLI tests of the run-folder guards share: holding a folder's lock as a running
// leuko would, and expecting a refusal of one line.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "tests/experiments/run_leuko.h"
#include "tests/support/testing.h"

namespace leuko::testing {

// This process holds <folder>/run.lock with the same flock as a running leuko (RunLock), its
// pid written in the file, until destroyed; the lock file stays behind, as after a run.
class HeldRunLock {
 public:
  explicit HeldRunLock(const std::filesystem::path& folder)
      : fd_(::open((folder / "run.lock").c_str(), O_RDWR | O_CREAT, 0644)),
        pid_(std::to_string(::getpid())) {
    REQUIRE(fd_ >= 0);
    REQUIRE(::flock(fd_, LOCK_EX | LOCK_NB) == 0);
    REQUIRE(::write(fd_, pid_.data(), pid_.size()) == static_cast<ssize_t>(pid_.size()));
  }
  ~HeldRunLock() { ::close(fd_); }
  HeldRunLock(const HeldRunLock&) = delete;
  HeldRunLock& operator=(const HeldRunLock&) = delete;

  const std::string& pid() const { return pid_; }

 private:
  int fd_;
  std::string pid_;
};

// The run failed (exit 1) with one line on stderr that holds `message`.
inline void expect_one_line_failure(const LeukoResult& r, const std::string& message) {
  CHECK(r.code == 1);
  CHECK_MESSAGE(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
  CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
}

}  // namespace leuko::testing
