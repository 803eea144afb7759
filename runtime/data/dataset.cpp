// Consistency checks shared by every loader, and the well-known class lists.
#include "runtime/data/dataset.h"

#include "ir/error.h"

namespace graphc::runtime::data {

void Dataset::check() const {
  if (count < 0) throw Error(cat(source, ": negative sample count ", count));
  std::string shape_problem = sample_shape.problem();
  if (sample_shape.rank() == 0 || sample_shape.has_batch() || !shape_problem.empty())
    throw Error(cat(source, ": bad sample shape ", sample_shape.str(), " ", shape_problem));
  const size_t values = static_cast<size_t>(count) * static_cast<size_t>(sample_numel());
  if (!pixels.empty() && !features.empty()) throw Error(cat(source, ": holds both pixels and features"));
  if (pixels.size() + features.size() != values)
    throw Error(cat(source, ": holds ", pixels.size() + features.size(), " sample values, expected ", count, " x ",
                    sample_numel()));
  if (is_classification()) {
    if (labels.size() != static_cast<size_t>(count))
      throw Error(cat(source, ": ", labels.size(), " labels for ", count, " samples"));
    if (!class_names.empty() && class_names.size() != static_cast<size_t>(num_classes))
      throw Error(cat(source, ": ", class_names.size(), " class names for ", num_classes, " classes"));
    for (size_t i = 0; i < labels.size(); ++i)
      if (labels[i] < 0 || labels[i] >= num_classes)
        throw Error(cat(source, ": label ", labels[i], " of sample ", i, " is outside [0, ", num_classes, ")"));
  } else if (targets.size() != static_cast<size_t>(count) * static_cast<size_t>(target_count)) {
    throw Error(cat(source, ": ", targets.size(), " target values for ", count, " samples of ", target_count));
  }
}

const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

std::vector<std::string> digit_class_names() {
  std::vector<std::string> names;
  for (int d = 0; d < 10; ++d) names.push_back(std::to_string(d));
  return names;
}

}  // namespace graphc::runtime::data
