// The model zoo's registry. A file in models/ defines a network and its
// default training recipe and registers both with GRAPHC_REGISTER_MODEL; the
// CLI, the trainers and the tests find models here by name.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "frontend/builder.h"
#include "ir/recipe.h"

namespace graphc {


// Declares the model's inputs ("x", and "y" for supervised models), computes
// it, and declares its outputs: "loss" (OutputRole::loss), "logits"
// (prediction) and, for classifiers, "correct" (the batch's count of correct
// predictions). Batch norm's running-statistic updates are added by the
// layers themselves (OutputRole::state) in train mode.
using ModelBuildFn = std::function<void(Builder&)>;

struct ModelDef {
  std::string name;
  std::string description;  // one line
  Recipe recipe;
  ModelBuildFn build;
};

void register_model(ModelDef def);
const std::vector<ModelDef>& registered_models();  // sorted by name
const ModelDef* find_model(const std::string& name);
// The model of that name; graphc::Error listing the known names otherwise.
const ModelDef& get_model(const std::string& name);
// Builds the model's forward graph in the given mode, with the parameters
// under any of `frozen` (name prefixes) frozen; names the graph after the
// model. Throws graphc::Error for an unknown name.
Graph build_model(const std::string& name, Mode mode = Mode::train, const std::vector<std::string>& frozen = {});
Graph build_model(const ModelDef& def, Mode mode = Mode::train, const std::vector<std::string>& frozen = {});

namespace detail {
struct ModelRegistration {
  explicit ModelRegistration(ModelDef def) { register_model(std::move(def)); }
};
}  // namespace detail

}  // namespace graphc

// GRAPHC_REGISTER_MODEL(mnist_mlp, "MNIST 784-128-10 MLP", recipe, build_fn)
#define GRAPHC_REGISTER_MODEL(id, description, recipe, build_fn) \
  static ::graphc::detail::ModelRegistration graphc_model_registration_##id({#id, description, recipe, build_fn})
