// A model's default training recipe: plain data that travels with the
// compiled program from the model file to the trainer, whose flags override
// it. It lives beside the IR because both the frontend (which declares it)
// and the runtime (which follows it) read it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace graphc {

struct Recipe {
  std::string dataset;            // "mnist", "cifar10", "csv"
  int64_t batch_size = 64;
  int64_t eval_batch_size = 1000;
  std::string optimizer = "sgd";  // sgd, momentum, nesterov, adam, adamw
  double lr = 0.01;
  double momentum = 0;
  double weight_decay = 0;
  std::string schedule = "constant";  // constant, step, cosine, onecycle
  int64_t epochs = 1;
  double val_fraction = 0;        // share of the training set held out for validation
  std::vector<double> mean;       // per-channel normalisation, applied after scaling pixels to [0,1]
  std::vector<double> std;
  bool augment = false;           // random crop of the 4px reflect-padded image, horizontal flip
  std::string inline_csv;         // a small data set given in the model file itself (seed 001's table)
  int64_t csv_targets = 0;        // CSV data: how many trailing columns are targets

  bool operator==(const Recipe&) const = default;
};

std::string recipe_to_json_text(const Recipe& r);
// Throws graphc::Error naming the bad field.
Recipe recipe_from_json_text(std::string_view text);

}  // namespace graphc
