// Progress of long work: on a terminal, one line redrawn in place (a bar, the step, the
// running loss, images/s and the time left); when stdout is a file or a pipe, plain log
// lines at every tenth of the work instead, so logs stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace leuko::cli {

class Progress {
 public:
  Progress(std::string label, int64_t total_steps);

  // After `step` (1-based) of total_steps; `images` counts images processed so far.
  void update(int64_t step, double loss, int64_t images);
  // The same for work that is not training: `detail` ("12.5 / 170.2 MB") replaces the loss
  // and the rate.
  void update(int64_t step, const std::string& detail);
  // Ends the line with a summary ("train loss 0.41, val loss 0.38 ...").
  void finish(const std::string& summary);

  static bool stdout_is_terminal();

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  int64_t total_;
  bool terminal_;
  Clock::time_point start_, last_draw_;
  int64_t last_logged_tenth_ = 0;

  // Draws "<label> [####....] step/total  <detail>  ETA m:ss", in place or as a log line.
  void draw(int64_t step, const std::string& detail);
};

}  // namespace leuko::cli
