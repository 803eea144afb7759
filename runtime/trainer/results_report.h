// The text a run prints about its results: the line after each epoch and
// the final report (loss, accuracy, per-class accuracy with class names, the
// confusion matrix). Plain fixed-width text, so a log is readable as it is
// and easy to grep ("epoch 3 train_loss ...").
#pragma once

#include <string>
#include <vector>

#include "runtime/trainer/evaluation.h"
#include "runtime/trainer/metrics_log.h"

namespace graphc::runtime {

// "epoch 2 train_loss 0.3012 val_loss 0.1623 val_acc 0.9521 seconds 12.31";
// values a run does not have (no validation split, a regression's accuracy)
// are left out.
std::string format_epoch_line(const EpochMetrics& m);

// "test_loss 0.0823 test_acc 0.9751", then for classifiers the per-class
// accuracy table and the confusion matrix (rows: true class, columns:
// predicted class). class_names may be empty (classes are then numbered).
std::string format_final_report(const FinalMetrics& m, const ConfusionMatrix* confusion);

}  // namespace graphc::runtime
