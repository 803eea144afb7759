// --metrics FILE: one JSON object per line, one per epoch
//   {"epoch":1,"train_loss":..,"train_acc":..,"val_loss":..,"val_acc":..,"epoch_s":..,"samples_per_s":..}
// and a final one
//   {"test_loss":..,"test_acc":..,"per_class_acc":[..],"class_names":[..]}
// (without a test set, as for a CSV table: {"final_train_loss":..} over the
// training split). Values a model does not have (accuracy of a regression,
// validation without a validation split) are null. The whole file is
// rewritten atomically after each line, so a crash leaves the lines written
// so far and never half a line; the file is small.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace graphc::runtime {

struct EpochMetrics {
  int64_t epoch = 0;  // 1-based
  double train_loss = 0;
  std::optional<double> train_acc;
  std::optional<double> val_loss;
  std::optional<double> val_acc;
  double epoch_s = 0;        // training and validation
  double samples_per_s = 0;  // training samples over training time
};

struct FinalMetrics {
  bool on_test_set = true;  // false: over the training split (no test set)
  double loss = 0;
  std::optional<double> accuracy;
  std::vector<double> per_class_acc;  // NaN for a class without samples (written as null)
  std::vector<std::string> class_names;
};

class MetricsLog {
 public:
  explicit MetricsLog(std::string path);  // "" writes nothing

  // A new run starts the file empty (written at once, so an unwritable path
  // stops the run before any training).
  void start_new();
  // A resumed run continues the file of the interrupted one: keeps its
  // epoch lines up to `completed_epochs` and drops the rest (epochs that
  // will be run again, a final line). A missing file starts empty. Throws
  // graphc::Error for a line that is not JSON.
  void continue_file(int64_t completed_epochs);

  void add(const EpochMetrics& m);
  void add(const FinalMetrics& m);

  const std::vector<std::string>& lines() const { return lines_; }

 private:
  void write();
  std::string path_;
  std::vector<std::string> lines_;
};

}  // namespace graphc::runtime
