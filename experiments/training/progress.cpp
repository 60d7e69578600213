#include "experiments/training/progress.h"

#include <unistd.h>

#include <cstdio>

namespace leuko::cli {

namespace {

std::string clock_time(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(s / 60),
                static_cast<long long>(s % 60));
  return text;
}

}  // namespace

bool Progress::stdout_is_terminal() { return ::isatty(STDOUT_FILENO) != 0; }

Progress::Progress(std::string label, int64_t total_steps)
    : label_(std::move(label)),
      total_(total_steps > 0 ? total_steps : 1),
      terminal_(stdout_is_terminal()),
      start_(Clock::now()),
      last_draw_(start_) {}

void Progress::update(int64_t step, double loss, int64_t images) {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(images) / elapsed : 0.0;
  char detail[160];
  std::snprintf(detail, sizeof detail, "%s%lld/%lld  loss %.4f  %.0f img/s",
                terminal_ ? "" : "step ", static_cast<long long>(step),
                static_cast<long long>(total_), loss, rate);
  draw(step, detail);
}

void Progress::update(int64_t step, const std::string& detail) { draw(step, detail); }

void Progress::draw(int64_t step, const std::string& detail) {
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = step > 0 ? elapsed * static_cast<double>(total_ - step) / step : 0.0;
  if (terminal_) {
    // Redraw at most 10 times a second: printing is not free on a slow terminal.
    if (step != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const int width = 24;
    const int filled = static_cast<int>(width * step / total_);
    std::printf("\r%s [%s%s] %s  ETA %s ", label_.c_str(), std::string(filled, '#').c_str(),
                std::string(width - filled, '.').c_str(), detail.c_str(), clock_time(eta).c_str());
  } else {
    const int64_t tenth = 10 * step / total_;
    if (tenth == last_logged_tenth_) return;
    last_logged_tenth_ = tenth;
    std::printf("%s %s  ETA %s\n", label_.c_str(), detail.c_str(), clock_time(eta).c_str());
  }
  std::fflush(stdout);
}

void Progress::finish(const std::string& summary) {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  std::printf("%s%s done in %s: %s\n", terminal_ ? "\r\033[K" : "", label_.c_str(),
              clock_time(elapsed).c_str(), summary.c_str());
  std::fflush(stdout);
}

}  // namespace leuko::cli
