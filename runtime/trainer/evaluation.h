// Evaluation of the current parameters on a list of samples (validation or
// test): the eval graph over fixed-order chunks in which every sample counts
// exactly once, giving the sample-weighted mean loss, the accuracy and, for
// the final report, the confusion matrix from which per-class accuracy follows.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "runtime/data/batch.h"
#include "runtime/trainer/executor.h"

namespace graphc::runtime {

// counts[truth][predicted].
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int64_t classes);
  // Adds the predictions (argmax of each row of logits [B, K], the first
  // maximum on ties, as the graph's argmax) against the labels. K may exceed
  // the data set's class count; a prediction outside it is a miss.
  void add_batch(std::span<const float> logits, std::span<const int32_t> labels);
  void add(int32_t truth, int32_t predicted);

  int64_t classes() const { return classes_; }
  int64_t count(int64_t truth, int64_t predicted) const;  // predicted may be >= classes(): "other"
  int64_t samples_of(int64_t truth) const;
  int64_t total() const;
  int64_t correct() const;
  // Per class: correct / samples of that class; NaN for a class without samples.
  std::vector<double> per_class_accuracy() const;

 private:
  int64_t classes_;
  std::vector<int64_t> counts_;     // classes x classes
  std::vector<int64_t> elsewhere_;  // per true class: predicted a class the data set lacks
};

struct EvalResult {
  int64_t samples = 0;
  double loss = 0;                           // mean over samples
  std::optional<double> accuracy;            // classifiers
  std::optional<ConfusionMatrix> confusion;  // when asked for, classifiers
};

// Runs the eval graph over `indices` of `ds` in order, `batch_size` at a
// time (the last chunk at its own size). `with_confusion` also collects the
// confusion matrix (needs a classifier's logits).
EvalResult evaluate(Executor& executor, const ParameterStore& store, const data::Dataset& ds,
                    std::span<const uint32_t> indices, const data::BatchOptions& options, int64_t batch_size,
                    bool with_confusion);

}  // namespace graphc::runtime
