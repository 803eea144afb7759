// The split depends only on (sample count, validation count, seed), so every
// epoch and every resumed run trains and validates on the same samples.
#include "runtime/trainer/training_data.h"

#include <algorithm>
#include <filesystem>

#include "runtime/data/cifar_binary.h"
#include "runtime/data/csv.h"
#include "runtime/data/image_folder.h"
#include "runtime/data/load_data.h"
#include "runtime/data/mnist.h"
#include "runtime/data/split.h"

namespace graphc::runtime {

namespace {

struct Loaded {
  std::string description;
  data::Dataset train;
  std::optional<data::Dataset> test;
};

Loaded load_from_path(const std::string& path, const Recipe& recipe, int threads) {
  const data::DataFormat format = data::detect_data_format(path);
  Loaded r;
  r.description = cat(path, " (", data::data_format_name(format), ")");
  switch (format) {
    case data::DataFormat::mnist_idx:
      r.train = data::load_mnist(path, "train");
      r.test = data::load_mnist(path, "test");
      break;
    case data::DataFormat::cifar10_binary:
      r.train = data::load_cifar10_binary(path, "train");
      r.test = data::load_cifar10_binary(path, "test");
      break;
    case data::DataFormat::image_folder: {
      std::vector<data::Dataset> splits = data::load_image_folder(path, {"train", "test"}, threads);
      r.train = std::move(splits[0]);
      r.test = std::move(splits[1]);
      break;
    }
    case data::DataFormat::csv: r.train = data::load_csv(path, std::max<int64_t>(recipe.csv_targets, 1)); break;
  }
  return r;
}

Loaded load_default(const Program& program, int threads) {
  const Recipe& recipe = program.recipe;
  if (recipe.dataset == "csv" && !recipe.inline_csv.empty()) {
    Loaded r;
    const std::string source = cat(program.model, "'s inline table");
    r.description = source;
    r.train = data::parse_csv(recipe.inline_csv, source, std::max<int64_t>(recipe.csv_targets, 1));
    return r;
  }
  const std::vector<std::string> candidates = default_data_paths(recipe.dataset);
  for (const std::string& path : candidates) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return load_from_path(path, recipe, threads);
  }
  std::string tried;
  for (const std::string& path : candidates) {
    if (!tried.empty()) tried += ", ";
    tried += path;
  }
  throw Error(cat("no ", recipe.dataset, " data found (tried ", tried, "); pass --data PATH"));
}

std::string sample_type(const Shape& sample_shape) {
  std::vector<int64_t> dims{kBatch};
  dims.insert(dims.end(), sample_shape.dims().begin(), sample_shape.dims().end());
  return Shape(std::move(dims)).str();
}

// The program's data and label inputs against the samples.
void check_against_program(const Program& program, const data::Dataset& ds) {
  const Graph& g = program.train;
  for (ValueId v : g.inputs()) {
    const Node& n = g.node(v);
    const InputRole role = *parse_input_role(n.s("role"));
    const Shape& shape = n.type.shape;
    if (role == InputRole::data) {
      if (shape.rank() == 0 || shape[0] != kBatch || sample_type(ds.sample_shape) != shape.str())
        throw Error(cat(ds.source, ": samples are ", ds.sample_shape.str(), " but ", program.model, " takes '",
                        n.s("name"), "' ", n.type.str()));
    } else if (role == InputRole::label) {
      if (ds.is_classification()) {
        if (is_float(n.type.dtype) || shape.rank() != 1)
          throw Error(cat(ds.source, ": holds class labels but ", program.model, " wants '", n.s("name"), "' ",
                          n.type.str(), " (regression targets)"));
      } else {
        const std::string wanted = sample_type(Shape{ds.target_count});
        if (!is_float(n.type.dtype) || shape.str() != wanted)
          throw Error(cat(ds.source, ": holds ", ds.target_count, " regression target(s) per sample but ",
                          program.model, " wants '", n.s("name"), "' ", n.type.str()));
      }
    }
  }
}

// A data set may declare more classes than a model predicts (MNIST's files
// always mean ten); what must hold is that every label is one the model can
// predict. The data set then counts the model's classes, so per-class
// accuracy and the confusion matrix have one row per predicted class.
void fit_classes_to_model(const Program& program, data::Dataset& ds) {
  const Output* logits = program.eval.find_output("logits");
  if (!ds.is_classification() || logits == nullptr) return;
  const Shape& shape = program.eval.type(logits->value).shape;
  const int64_t predicted = shape.rank() == 0 ? 1 : shape[shape.rank() - 1];
  if (predicted >= ds.num_classes) return;
  const int32_t top = *std::max_element(ds.labels.begin(), ds.labels.end());
  if (top >= predicted)
    throw Error(cat(ds.source, ": has label ", top, " but ", program.model, " predicts ", predicted,
                    " classes (0..", predicted - 1, ")"));
  ds.num_classes = predicted;
  if (ds.class_names.size() > static_cast<size_t>(predicted)) ds.class_names.resize(static_cast<size_t>(predicted));
}

data::Normalization recipe_normalization(const Recipe& r) {
  data::Normalization n;
  n.mean.assign(r.mean.begin(), r.mean.end());
  n.std.assign(r.std.begin(), r.std.end());
  return n;
}

}  // namespace

std::vector<std::string> default_data_paths(const std::string& dataset) {
  std::vector<std::string> paths;
  for (const char* root : {"data/", "../shared/data/"}) {
    paths.push_back(root + dataset);
    if (dataset == "cifar10") paths.push_back(std::string(root) + "cifar10-jpeg.tar.gz");
  }
  return paths;
}

TrainingData load_training_data(const Program& program, const TrainerOptions& options) {
  Loaded loaded =
      options.data.empty() ? load_default(program, options.threads) : load_from_path(options.data, program.recipe,
                                                                                      options.threads);
  TrainingData d;
  d.description = std::move(loaded.description);
  d.train = std::move(loaded.train);
  d.test = std::move(loaded.test);
  check_against_program(program, d.train);
  fit_classes_to_model(program, d.train);
  if (d.test) {
    check_against_program(program, *d.test);
    fit_classes_to_model(program, *d.test);
    if (d.test->num_classes != d.train.num_classes)
      throw Error(cat(d.test->source, ": the test split has ", d.test->num_classes, " classes, the training split ",
                      d.train.num_classes));
  }

  const int64_t val_count = data::validation_count(d.train.count, options.val_fraction);
  data::TrainValSplit split = data::random_split(d.train.count, val_count, options.seed);
  if (split.train.empty()) throw Error(cat(d.train.source, ": no training samples left after the validation split"));
  d.train_indices = std::move(split.train);
  d.val_indices = std::move(split.val);

  d.eval_batches.normalization = recipe_normalization(program.recipe);
  d.train_batches = d.eval_batches;
  if (options.augment) {
    d.train_batches.augmentation.crop_padding = 4;
    d.train_batches.augmentation.pad_mode = data::PadMode::reflect;
    d.train_batches.augmentation.horizontal_flip = true;
  }
  d.train_batches.augment_seed = options.seed;
  return d;
}

}  // namespace graphc::runtime
