// Crash safety of `leuko train`, tested the hard way: a small run (tiny_cnn on generated
// cells) is killed with SIGKILL again and again, at seeded random moments and right as a
// checkpoint is being written, and run again after each kill with the same command. After
// every kill the folder must hold only whole things: a checkpoint that loads and never goes
// back, a metrics.csv that is a prefix of the uninterrupted run's, generated data that is
// complete or absent. When the command is finally let run to its end, results.json,
// metrics.csv and every weight and optimizer tensor equal those of an uninterrupted run.
//
// The checkpoint-write kills need no hook in leuko: inotify reports the moment the writer
// creates checkpoint.safetensors.tmp (it then writes ~300 KB, fsyncs and renames), and the
// test kills at once or a few hundred microseconds later. A .tmp file left behind shows
// that the kill landed inside the write.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <numeric>
#include <optional>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/data/image_folder.h"
#include "engine/io/checkpoint.h"
#include "tests/data/temp_folder.h"
#include "tests/experiments/run_leuko.h"
#include "tests/support/testing.h"

extern char** environ;

namespace leuko {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using testing::read_text;

constexpr int kEpochs = 20;
constexpr int kSyntheticPerClass = 8;  // training cells per class; test cells: 4 per class

// `leuko train` into `out` on generated cells (LEUKO_DATA removed from its environment),
// its output appended to out/../<name>.log. Returns the child's pid.
pid_t start_training(const fs::path& out) {
  const fs::path binary = fs::read_symlink("/proc/self/exe").parent_path() / "leuko";
  REQUIRE_MESSAGE(fs::exists(binary),
                  "build the leuko binary first (ninja leuko): ", binary.string());
  std::vector<std::string> args = {binary.string(),
                                   "train",
                                   "--model",
                                   "tiny_cnn",
                                   "--size",
                                   "32",
                                   "--batch",
                                   "8",
                                   "--workers",
                                   "1",
                                   "--seed",
                                   "5",
                                   "--epochs",
                                   std::to_string(kEpochs),
                                   "--synthetic-per-class",
                                   std::to_string(kSyntheticPerClass),
                                   "--out",
                                   out.string()};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> env;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "LEUKO_DATA=", 11) != 0) env.push_back(*e);
  env.push_back(nullptr);
  const std::string log = out.string() + ".log";
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, binary.c_str(), &files, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&files);
  REQUIRE_MESSAGE(error == 0, "posix_spawn: ", std::strerror(error));
  return pid;
}

// Waits for `pid`; its exit code, or -1 when a signal ended it.
int wait_for(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Polls until `pid` has exited (returns its exit code) or `until` passes (returns nullopt).
std::optional<int> exited_before(pid_t pid, Clock::time_point until) {
  while (Clock::now() < until) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return std::nullopt;
}

// Kills `pid` when checkpoint.safetensors.tmp has been created in `out` for the `nth` time,
// `delay` later. Returns the exit code when the run ended first, else nullopt (killed).
std::optional<int> kill_in_checkpoint_write(pid_t pid, int inotify, int nth,
                                            std::chrono::microseconds delay) {
  int seen = 0;
  alignas(inotify_event) char buffer[4096];
  while (true) {
    pollfd p{inotify, POLLIN, 0};
    if (poll(&p, 1, 2) > 0) {
      const ssize_t n = read(inotify, buffer, sizeof buffer);
      for (ssize_t at = 0; at < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        if (event->len > 0 && std::strcmp(event->name, "checkpoint.safetensors.tmp") == 0 &&
            ++seen == nth) {
          if (delay.count() > 0) std::this_thread::sleep_for(delay);
          kill(pid, SIGKILL);
          wait_for(pid);
          return std::nullopt;
        }
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
}

// Forgets the events of earlier runs.
void drain(int inotify) {
  alignas(inotify_event) char buffer[4096];
  while (read(inotify, buffer, sizeof buffer) > 0) {
  }
}

int64_t count_images(const fs::path& split) {
  int64_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(split))
    n += entry.path().extension() == ".png";
  return n;
}

void check_same_tensors(const std::map<std::string, Tensor>& got,
                        const std::map<std::string, Tensor>& expected, const std::string& what) {
  CHECK(got.size() == expected.size());
  for (const auto& [name, tensor] : expected) {
    INFO(what, " tensor ", name);
    REQUIRE(got.count(name) == 1);
    if (tensor.dtype() == DType::f32)
      CHECK((got.at(name).to_vector() == tensor.to_vector()));
    else
      CHECK((got.at(name).to_vector_i64() == tensor.to_vector_i64()));
  }
}

}  // namespace

TEST_CASE(
    "training killed with SIGKILL at random moments and in checkpoint writes resumes to identical "
    "results") {
  testing::TempFolder scratch;
  const fs::path reference = scratch / "reference", run = scratch / "run";

  const auto start = Clock::now();
  const pid_t uninterrupted = start_training(reference);
  REQUIRE_MESSAGE(wait_for(uninterrupted) == 0, read_text(reference.string() + ".log"));
  const auto duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  const std::string reference_metrics = read_text(reference / "metrics.csv");
  REQUIRE(!reference_metrics.empty());
  // Random moments from 0 to a resumed run's start-up plus two epochs, so that each kill
  // lets the run advance by two epochs at most and the kills spread over the whole run
  // rather than ending it in the first few tries. The start-up is timed by running the
  // finished reference again (it resumes after its last epoch and only tests).
  const nlohmann::json timing = nlohmann::json::parse(read_text(reference / "timing.json"));
  const auto epochs = timing.at("epoch_seconds").get<std::vector<double>>();
  const double epoch_seconds = std::accumulate(epochs.begin(), epochs.end(), 0.0) / kEpochs;
  const auto restart = Clock::now();
  REQUIRE(wait_for(start_training(reference)) == 0);
  const auto latest_kill = std::chrono::duration_cast<std::chrono::microseconds>(
      Clock::now() - restart + std::chrono::duration<double>(2 * epoch_seconds));

  fs::create_directories(run);  // so that inotify can watch it from the first run on
  const int inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  REQUIRE(inotify >= 0);
  REQUIRE(inotify_add_watch(inotify, run.c_str(), IN_CREATE) >= 0);

  std::mt19937 random(20240612);  // seeded: the same kill moments on every run
  std::uniform_int_distribution<int64_t> moment(0, latest_kill.count());
  std::uniform_int_distribution<int> nth_write(1, 2), write_delay_us(0, 600);
  constexpr int kKills = 16;
  int kills = 0, in_checkpoint_write = 0, finished_early = 0;
  int64_t last_epoch = 0;
  const auto budget = Clock::now() + std::chrono::seconds(40);  // bounds the test's time
  for (int attempt = 0; kills < kKills && Clock::now() < budget; ++attempt) {
    const bool at_write = attempt % 2 == 1;
    drain(inotify);
    const pid_t pid = start_training(run);
    std::optional<int> exit_code;
    if (at_write) {
      exit_code = kill_in_checkpoint_write(pid, inotify, nth_write(random),
                                           std::chrono::microseconds(write_delay_us(random)));
    } else {
      exit_code = exited_before(pid, Clock::now() + std::chrono::microseconds(moment(random)));
      if (!exit_code) {
        kill(pid, SIGKILL);
        wait_for(pid);
      }
    }
    INFO("attempt ", attempt, at_write ? " (in a checkpoint write)" : " (at a random moment)");
    if (exit_code) {  // the run ended before the kill: it must have ended well
      REQUIRE_MESSAGE(*exit_code == 0, read_text(run.string() + ".log"));
      ++finished_early;
      continue;
    }
    ++kills;
    in_checkpoint_write += fs::exists(run / "checkpoint.safetensors.tmp");

    // What the kill left: the previous checkpoint loads and is never older than before.
    if (fs::exists(run / "checkpoint.safetensors")) {
      Checkpoint checkpoint;
      REQUIRE_NOTHROW(checkpoint = load_checkpoint((run / "checkpoint.safetensors").string()));
      CHECK(checkpoint.epoch >= last_epoch);
      CHECK(checkpoint.epoch <= kEpochs);
      last_epoch = checkpoint.epoch;
    }
    // metrics.csv is always a whole earlier state of the uninterrupted run's.
    if (fs::exists(run / "metrics.csv")) {
      const std::string metrics = read_text(run / "metrics.csv");
      CHECK_MESSAGE(reference_metrics.rfind(metrics, 0) == 0, metrics);
    }
    // The generated cells are all there, or not there yet.
    if (fs::exists(run / "synthetic-data")) {
      CHECK(count_images(run / "synthetic-data/train") == 5 * kSyntheticPerClass);
      CHECK(count_images(run / "synthetic-data/test") == 5 * 4);
    }
  }

  // The same command, run to its end, ends as the uninterrupted run did.
  const pid_t last = start_training(run);
  REQUIRE_MESSAGE(wait_for(last) == 0, read_text(run.string() + ".log"));
  close(inotify);
  MESSAGE(kills, " kills survived (", in_checkpoint_write,
          " inside a checkpoint write; the last checkpoint ", "seen was epoch ", last_epoch, " of ",
          kEpochs, "), ", finished_early, " run(s) ended before their kill; ",
          std::chrono::duration_cast<std::chrono::milliseconds>(duration).count(),
          " ms per uninterrupted run");
  CHECK(kills == kKills);
  CHECK(in_checkpoint_write >= 2);
  CHECK(read_text(run / "metrics.csv") == reference_metrics);
  CHECK(read_text(run / "results.json") == read_text(reference / "results.json"));
  const Checkpoint got = load_checkpoint((run / "checkpoint.safetensors").string());
  const Checkpoint expected = load_checkpoint((reference / "checkpoint.safetensors").string());
  CHECK(got.epoch == kEpochs);
  check_same_tensors(got.model, expected.model, "model");
  check_same_tensors(got.optimizer, expected.optimizer, "optimizer");
  CHECK(got.generators == expected.generators);
}

}  // namespace leuko
