// The bar is drawn with '\r' and cleared with the ANSI "erase line" code, so
// a plain line printed afterwards starts clean.
#include "runtime/trainer/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace graphc::runtime {

namespace {
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 30;
}  // namespace

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<int64_t>(seconds + 0.5);
  const int64_t h = total / 3600, m = total / 60 % 60, s = total % 60;
  char buf[32];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(h), static_cast<long long>(m),
                  static_cast<long long>(s));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(m), static_cast<long long>(s));
  return buf;
}

Progress::Progress(std::ostream& out, bool terminal, bool quiet) : out_(out), terminal_(terminal), quiet_(quiet) {}

void Progress::start_epoch(int64_t epoch, int64_t epochs, int64_t samples, int64_t done) {
  epoch_ = epoch;
  epochs_ = epochs;
  samples_ = samples;
  first_done_ = done;
  epoch_start_ = Clock::now();
  last_draw_ = Clock::time_point{};
}

void Progress::step(int64_t done, double mean_loss) {
  if (quiet_ || !terminal_) return;
  const Clock::time_point now = Clock::now();
  if (now - last_draw_ < kRedrawInterval && done < samples_) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - epoch_start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done - first_done_) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(samples_ - done) / rate : NAN;
  const int filled = samples_ > 0 ? static_cast<int>(kBarWidth * done / samples_) : kBarWidth;
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kBarWidth) bar += '>' + std::string(static_cast<size_t>(kBarWidth - filled - 1), ' ');
  char buf[256];
  std::snprintf(buf, sizeof buf, "\r\033[2Kepoch %lld/%lld [%s] %lld/%lld %.0f samples/s ETA %s loss %.4f",
                static_cast<long long>(epoch_), static_cast<long long>(epochs_), bar.c_str(),
                static_cast<long long>(done), static_cast<long long>(samples_), rate, format_duration(eta).c_str(),
                mean_loss);
  out_ << buf << std::flush;
  bar_drawn_ = true;
}

void Progress::line(const std::string& text) {
  if (quiet_) return;
  clear_bar();
  out_ << text << "\n" << std::flush;
}

void Progress::clear_bar() {
  if (!bar_drawn_) return;
  out_ << "\r\033[2K";
  bar_drawn_ = false;
}

}  // namespace graphc::runtime
