// Keys keep a fixed order (ordered_json) so the lines read the same every run.
#include "runtime/trainer/metrics_log.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ir/error.h"
#include "runtime/file_io.h"

namespace graphc::runtime {

namespace {

using Json = nlohmann::ordered_json;

Json optional_number(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

}  // namespace

MetricsLog::MetricsLog(std::string path) : path_(std::move(path)) {}

void MetricsLog::start_new() {
  lines_.clear();
  write();
}

void MetricsLog::continue_file(int64_t completed_epochs) {
  lines_.clear();
  if (path_.empty()) return;
  std::error_code ec;
  const std::string text = std::filesystem::exists(path_, ec) ? read_file(path_) : std::string();
  size_t start = 0, number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (line.empty()) continue;
    const Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw Error(cat(path_, ":", number, ": not a JSON object; is this the metrics file of the resumed run?"));
    if (j.contains("epoch") && j["epoch"].is_number_integer() && j["epoch"].get<int64_t>() <= completed_epochs)
      lines_.push_back(line);
  }
  write();
}

void MetricsLog::add(const EpochMetrics& m) {
  Json j;
  j["epoch"] = m.epoch;
  j["train_loss"] = m.train_loss;
  j["train_acc"] = optional_number(m.train_acc);
  j["val_loss"] = optional_number(m.val_loss);
  j["val_acc"] = optional_number(m.val_acc);
  j["epoch_s"] = m.epoch_s;
  j["samples_per_s"] = m.samples_per_s;
  lines_.push_back(j.dump());
  write();
}

void MetricsLog::add(const FinalMetrics& m) {
  Json j;
  if (m.on_test_set) {
    j["test_loss"] = m.loss;
    j["test_acc"] = optional_number(m.accuracy);
    j["per_class_acc"] = Json::array();
    for (double a : m.per_class_acc) j["per_class_acc"].push_back(a);  // NaN is dumped as null
    j["class_names"] = m.class_names;
  } else {
    j["final_train_loss"] = m.loss;
    j["final_train_acc"] = optional_number(m.accuracy);
  }
  lines_.push_back(j.dump());
  write();
}

void MetricsLog::write() {
  if (path_.empty()) return;
  std::string text;
  for (const std::string& line : lines_) text += line + "\n";
  write_file_atomic(path_, text);
}

}  // namespace graphc::runtime
