// One run per folder at a time. A RunLock holds an exclusive flock on <folder>/run.lock for
// its lifetime, with the holder's pid written in the file; a second leuko run into the same
// folder stops with "... is in use by another leuko run (pid N)" instead of mixing its
// checkpoints and metrics with the first one's. The kernel drops the lock when the process
// ends in any way (a crash or SIGKILL included), so a stale run.lock never blocks a rerun.
//
// Taking the lock is also the first write into the folder: a folder that cannot be written
// is reported here, before any data is generated or any training starts.
#pragma once

#include "experiments/training/run_folder.h"

namespace leuko::cli {

class RunLock {
 public:
  explicit RunLock(const RunFolder& folder);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  static constexpr const char* kFile = "run.lock";

 private:
  int fd_;
};

// --restart of `leuko train` and of a `leuko reproduce` sub-run: deletes everything the folder
// holds (checkpoints, metrics, reports, generated data, a sub-run's `done`) except the lock, so
// the run starts from scratch. Call it with the lock held.
void start_over(const RunFolder& folder);

}  // namespace leuko::cli
