// What a run prints while it trains. On a terminal: one line redrawn in
// place (a bar, samples/s, ETA, the running loss), at most ten times a
// second so drawing never costs training time. In a log file or a pipe: no
// bar, only the plain lines (one per epoch and the final report), so logs
// stay readable and diffable.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace graphc::runtime {

class Progress {
 public:
  // terminal: draw the bar; quiet: print nothing at all.
  Progress(std::ostream& out, bool terminal, bool quiet);

  // A training epoch of `samples` samples begins (`done` already consumed,
  // when a resumed run starts mid-epoch). epoch is 1-based.
  void start_epoch(int64_t epoch, int64_t epochs, int64_t samples, int64_t done);
  // After each step: samples consumed so far in the epoch, mean loss so far.
  void step(int64_t done, double mean_loss);
  // Prints a line of its own, first clearing a bar that is drawn.
  void line(const std::string& text);

 private:
  using Clock = std::chrono::steady_clock;
  void clear_bar();

  std::ostream& out_;
  bool terminal_;
  bool quiet_;
  bool bar_drawn_ = false;
  int64_t epoch_ = 0, epochs_ = 0, samples_ = 0, first_done_ = 0;
  Clock::time_point epoch_start_;
  Clock::time_point last_draw_;
};

// Whether stdout is a terminal (the trainer's default for `terminal`).
bool stdout_is_terminal();

// "1:02:03" / "2:03" for a duration in seconds.
std::string format_duration(double seconds);

}  // namespace graphc::runtime
