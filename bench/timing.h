// The benchmarks' timing harness: run a piece of work a few times and keep the median,
// after warm-up runs that fault in memory and fill caches. Also the process's peak resident
// memory.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <vector>

namespace leuko::bench {

// Seconds of process CPU time (all threads), for telling a slow step from a starved one
// on a shared machine.
inline double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

struct Timing {
  double wall_s;  // median wall-clock seconds per call
  double cpu_s;   // mean process CPU seconds per call (all threads together)
};

// Times `repeats` calls of `work` after `warmups` untimed ones.
template <typename Work>
Timing time_calls(Work&& work, int repeats = 5, int warmups = 1) {
  for (int i = 0; i < warmups; ++i) work();
  std::vector<double> times;
  const double cpu_start = process_cpu_seconds();
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    times.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  const double cpu_s = (process_cpu_seconds() - cpu_start) / repeats;
  std::sort(times.begin(), times.end());
  return {times[times.size() / 2], cpu_s};
}

// Median wall-clock seconds per call.
template <typename Work>
double median_seconds(Work&& work, int repeats = 5, int warmups = 1) {
  return time_calls(work, repeats, warmups).wall_s;
}

// Peak resident set size of this process so far, in MiB (Linux reports KiB).
inline double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace leuko::bench
