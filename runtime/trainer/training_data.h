// The data of a run: where it comes from (--data, else the recipe's data set
// at its usual places, else the table inlined in the recipe), the seeded
// train/validation split, how batches are normalized and augmented, and a
// check against the program's inputs, so a trainer pointed at the wrong data
// set says so before the first step instead of failing inside a kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/data/batch.h"
#include "runtime/data/dataset.h"
#include "runtime/program.h"
#include "runtime/trainer/trainer_options.h"

namespace graphc::runtime {

struct TrainingData {
  std::string description;          // for the log: the path and its format
  data::Dataset train;              // the training file; train and val indices point into it
  std::optional<data::Dataset> test;
  std::vector<uint32_t> train_indices;
  std::vector<uint32_t> val_indices;
  data::BatchOptions train_batches;  // normalization and, with --augment, augmentation
  data::BatchOptions eval_batches;   // normalization only
};

// The places --data defaults to for the recipe's data set, in the order
// tried: data/<set> then ../shared/data/<set> (for cifar10 also the
// cifar10-jpeg.tar.gz archive beside them).
std::vector<std::string> default_data_paths(const std::string& dataset);

// Loads, splits and checks. Throws graphc::Error naming the path (or the
// paths tried) and what is wrong: missing data, samples of another shape
// than the program's input, labels where it wants targets, more classes
// than it predicts.
TrainingData load_training_data(const Program& program, const TrainerOptions& options);

}  // namespace graphc::runtime
