// Runs the `leuko` binary built next to the test program, with stdout and stderr captured
// in files under a scratch folder: the end-to-end CLI tests' one way of calling it.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>

#include "engine/error.h"
#include "tests/support/testing.h"

namespace leuko::testing {

// The exit status of one run, carrying what the run printed: doctest shows a failed
// CHECK(result.code == 0)'s operands through operator<<, so the failure report includes
// leuko's own output (an INFO inside a helper would not: INFO lasts only for its scope).
struct ExitCode {
  int value = -1;
  std::string transcript;

  friend bool operator==(const ExitCode& code, int value) { return code.value == value; }
  friend bool operator!=(const ExitCode& code, int value) { return code.value != value; }
  friend std::ostream& operator<<(std::ostream& os, const ExitCode& code) {
    return os << code.value << "\n" << code.transcript;
  }
};

struct LeukoResult {
  ExitCode code;
  std::string out, err;
};

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `prefix` goes before the binary on the shell line, e.g. "env -u LEUKO_DATA".
inline LeukoResult run_leuko(const std::string& arguments, const std::filesystem::path& scratch,
                             const std::string& prefix = "") {
  namespace fs = std::filesystem;
  const fs::path binary = fs::read_symlink("/proc/self/exe").parent_path() / "leuko";
  REQUIRE_MESSAGE(fs::exists(binary),
                  "build the leuko binary first (ninja leuko): ", binary.string());
  const fs::path out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  const std::string command = cat(prefix, prefix.empty() ? "" : " ", "'", binary.string(), "' ",
                                  arguments, " >'", out.string(), "' 2>'", err.string(), "'");
  const int status = std::system(command.c_str());
  LeukoResult result{
      {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ""}, read_text(out), read_text(err)};
  result.code.transcript =
      cat("leuko ", arguments, "\nstdout:\n", result.out, "\nstderr:\n", result.err);
  return result;
}

}  // namespace leuko::testing
