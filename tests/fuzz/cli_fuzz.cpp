// Fuzzes the command line's parsing: the input is an argument vector (arguments separated
// by '\n'), parsed by the same CLI11 app as main.cpp builds. Nothing is run: CLI11 calls the
// app's parse-complete callback after every value is parsed and checked and before any
// command's callback, and that one throws. (Replacing the commands' callbacks instead would
// free the option structs they own, which the options still write into.) Parsing must end
// there or in a CLI::ParseError (main.cpp prints it in one line and exits with 2), never in
// another exception or a crash.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/error.h"
#include "experiments/cli/commands.h"

namespace {
struct Parsed {};  // thrown when parsing completed
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args{"leuko"};
  std::string arg;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      args.push_back(arg);
      arg.clear();
    } else {
      arg += static_cast<char>(data[i]);
    }
  }
  args.push_back(arg);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());

  CLI::App app{"leuko"};
  leuko::cli::add_commands(app, "leuko");  // the app main.cpp builds
  app.parse_complete_callback([] { throw Parsed{}; });
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const Parsed&) {
  } catch (const CLI::ParseError&) {
  }
  return 0;
}
