// Losses are batch means, so each is weighted by its batch's size: the
// result is the mean over samples whatever the chunking, and a last partial
// chunk counts exactly as much as its samples.
#include "runtime/trainer/evaluation.h"

#include <cmath>
#include <limits>

#include "ir/error.h"
#include "runtime/data/background_batches.h"

namespace graphc::runtime {

ConfusionMatrix::ConfusionMatrix(int64_t classes)
    : classes_(classes),
      counts_(static_cast<size_t>(classes * classes), 0),
      elsewhere_(static_cast<size_t>(classes), 0) {
  GRAPHC_ASSERT(classes > 0, "a confusion matrix of ", classes, " classes");
}

void ConfusionMatrix::add(int32_t truth, int32_t predicted) {
  GRAPHC_ASSERT(truth >= 0 && truth < classes_, "label ", truth, " of ", classes_, " classes");
  if (predicted >= 0 && predicted < classes_)
    ++counts_[static_cast<size_t>(truth * classes_ + predicted)];
  else
    ++elsewhere_[static_cast<size_t>(truth)];
}

void ConfusionMatrix::add_batch(std::span<const float> logits, std::span<const int32_t> labels) {
  const size_t rows = labels.size();
  GRAPHC_ASSERT(rows > 0 && logits.size() % rows == 0, logits.size(), " logits for ", rows, " labels");
  const size_t k = logits.size() / rows;
  for (size_t r = 0; r < rows; ++r) {
    const float* row = logits.data() + r * k;
    size_t best = 0;
    for (size_t c = 1; c < k; ++c)
      if (row[c] > row[best]) best = c;
    add(labels[r], static_cast<int32_t>(best));
  }
}

int64_t ConfusionMatrix::count(int64_t truth, int64_t predicted) const {
  if (predicted >= classes_) return elsewhere_[static_cast<size_t>(truth)];
  return counts_[static_cast<size_t>(truth * classes_ + predicted)];
}

int64_t ConfusionMatrix::samples_of(int64_t truth) const {
  int64_t n = elsewhere_[static_cast<size_t>(truth)];
  for (int64_t p = 0; p < classes_; ++p) n += count(truth, p);
  return n;
}

int64_t ConfusionMatrix::total() const {
  int64_t n = 0;
  for (int64_t t = 0; t < classes_; ++t) n += samples_of(t);
  return n;
}

int64_t ConfusionMatrix::correct() const {
  int64_t n = 0;
  for (int64_t t = 0; t < classes_; ++t) n += count(t, t);
  return n;
}

std::vector<double> ConfusionMatrix::per_class_accuracy() const {
  std::vector<double> acc(static_cast<size_t>(classes_));
  for (int64_t t = 0; t < classes_; ++t) {
    const int64_t n = samples_of(t);
    acc[static_cast<size_t>(t)] =
        n == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(count(t, t)) / static_cast<double>(n);
  }
  return acc;
}

EvalResult evaluate(Executor& executor, const ParameterStore& store, const data::Dataset& ds,
                    std::span<const uint32_t> indices, const data::BatchOptions& options, int64_t batch_size,
                    bool with_confusion) {
  EvalResult result;
  if (indices.empty()) return result;
  data::SamplerOptions sampling;
  sampling.batch_size = batch_size;
  sampling.shuffle = false;
  data::BackgroundBatches batches(
      data::BatchStream(ds, data::BatchSampler({indices.begin(), indices.end()}, sampling), options));

  with_confusion = with_confusion && ds.is_classification();
  if (with_confusion) result.confusion.emplace(ds.num_classes);
  double loss_sum = 0, correct_sum = 0;
  bool has_correct = false;
  std::vector<float> logits;
  while (std::optional<data::Batch> batch = batches.next()) {
    const StepResult r = executor.eval_step(*batch, store, with_confusion ? &logits : nullptr);
    loss_sum += r.loss * static_cast<double>(batch->size());
    if (r.correct) {
      correct_sum += *r.correct;
      has_correct = true;
    }
    if (with_confusion) result.confusion->add_batch(logits, batch->labels);
    result.samples += batch->size();
  }
  const auto n = static_cast<double>(result.samples);
  result.loss = loss_sum / n;
  if (has_correct) result.accuracy = correct_sum / n;
  return result;
}

}  // namespace graphc::runtime
