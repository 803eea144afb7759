#include "ir/recipe.h"

#include <nlohmann/json.hpp>

#include "ir/error.h"

namespace graphc {

namespace {
using nlohmann::json;

template <typename T>
void read(const json& j, const char* key, T& out) {
  if (!j.contains(key)) return;  // absent fields keep their defaults
  try {
    out = j.at(key).get<T>();
  } catch (const json::exception&) {
    throw Error(cat("recipe: field '", key, "' has the wrong type"));
  }
}
}  // namespace

std::string recipe_to_json_text(const Recipe& r) {
  json j = {{"dataset", r.dataset},         {"batch_size", r.batch_size}, {"eval_batch_size", r.eval_batch_size},
            {"optimizer", r.optimizer},     {"lr", r.lr},                 {"momentum", r.momentum},
            {"weight_decay", r.weight_decay}, {"schedule", r.schedule},   {"epochs", r.epochs},
            {"val_fraction", r.val_fraction}, {"mean", r.mean},           {"std", r.std},
            {"augment", r.augment},         {"inline_csv", r.inline_csv}, {"csv_targets", r.csv_targets}};
  return j.dump(2);
}

Recipe recipe_from_json_text(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error("recipe: not a JSON object");
  Recipe r;
  read(j, "dataset", r.dataset);
  read(j, "batch_size", r.batch_size);
  read(j, "eval_batch_size", r.eval_batch_size);
  read(j, "optimizer", r.optimizer);
  read(j, "lr", r.lr);
  read(j, "momentum", r.momentum);
  read(j, "weight_decay", r.weight_decay);
  read(j, "schedule", r.schedule);
  read(j, "epochs", r.epochs);
  read(j, "val_fraction", r.val_fraction);
  read(j, "mean", r.mean);
  read(j, "std", r.std);
  read(j, "augment", r.augment);
  read(j, "inline_csv", r.inline_csv);
  read(j, "csv_targets", r.csv_targets);
  return r;
}

}  // namespace graphc
