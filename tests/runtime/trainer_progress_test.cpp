// The progress display: a bar redrawn in place on a terminal, nothing but
// plain lines elsewhere, nothing at all when quiet.
#include <gtest/gtest.h>

#include <sstream>

#include "runtime/trainer/progress.h"

namespace graphc::runtime {
namespace {

TEST(TrainerProgress, OnATerminalTheBarIsDrawnInPlaceAndClearedBeforeALine) {
  std::ostringstream out;
  Progress p(out, /*terminal=*/true, /*quiet=*/false);
  p.start_epoch(2, 3, 1000, 0);
  p.step(1000, 0.5);  // the last step of an epoch is always drawn
  const std::string bar = out.str();
  EXPECT_EQ(bar.rfind("\r\033[2Kepoch 2/3 [==============================] 1000/1000 ", 0), 0u) << bar;
  EXPECT_NE(bar.find(" samples/s ETA 0:00 loss 0.5000"), std::string::npos) << bar;
  EXPECT_EQ(bar.find('\n'), std::string::npos) << "the bar stays on its line";
  p.line("epoch 2 train_loss 0.5000 seconds 1.00");
  EXPECT_EQ(out.str(), bar + "\r\033[2Kepoch 2 train_loss 0.5000 seconds 1.00\n");
}

TEST(TrainerProgress, RedrawsAtMostTenTimesASecond) {
  std::ostringstream out;
  Progress p(out, true, false);
  p.start_epoch(1, 1, 1000, 0);
  for (int done = 10; done < 1000; done += 10) p.step(done, 1.0);
  // A hundred steps within far less than 100 ms: only the first is drawn.
  size_t draws = 0;
  for (size_t at = out.str().find('\r'); at != std::string::npos; at = out.str().find('\r', at + 1)) ++draws;
  EXPECT_EQ(draws, 1u) << out.str();
}

TEST(TrainerProgress, ElsewhereOnlyPlainLinesAndQuietPrintsNothing) {
  std::ostringstream plain, quiet;
  Progress p(plain, false, false), q(quiet, true, true);
  for (Progress* each : {&p, &q}) {
    each->start_epoch(1, 1, 10, 0);
    each->step(10, 0.25);
    each->line("epoch 1 train_loss 0.2500 seconds 0.01");
  }
  EXPECT_EQ(plain.str(), "epoch 1 train_loss 0.2500 seconds 0.01\n");
  EXPECT_EQ(quiet.str(), "");
}

TEST(TrainerProgress, DurationsReadAsClockTimes) {
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(62.4), "1:02");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(-1), "?");
}

}  // namespace
}  // namespace graphc::runtime
