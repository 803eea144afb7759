// Column widths follow the widest entry, so a 10,000-sample test set and a
// 15-row table both line up.
#include "runtime/trainer/results_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ir/error.h"

namespace graphc::runtime {

namespace {

std::string fixed(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string pad_left(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string pad_right(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// "3 cat" for named classes, "3" when the name is the number itself (MNIST).
std::string class_label(const std::vector<std::string>& names, int64_t c) {
  const std::string number = std::to_string(c);
  if (static_cast<size_t>(c) >= names.size() || names[c] == number) return number;
  return cat(number, " ", names[c]);
}

}  // namespace

std::string format_epoch_line(const EpochMetrics& m) {
  std::string s = cat("epoch ", m.epoch, " train_loss ", fixed(m.train_loss));
  if (m.val_loss) s += cat(" val_loss ", fixed(*m.val_loss));
  if (m.val_acc) s += cat(" val_acc ", fixed(*m.val_acc));
  s += cat(" seconds ", fixed(m.epoch_s, 2));
  return s;
}

std::string format_final_report(const FinalMetrics& m, const ConfusionMatrix* confusion) {
  std::string s;
  if (m.on_test_set) {
    s = cat("test_loss ", fixed(m.loss));
    if (m.accuracy) s += cat(" test_acc ", fixed(*m.accuracy));
  } else {
    s = cat("no test set; over the training split: loss ", fixed(m.loss));
    if (m.accuracy) s += cat(" accuracy ", fixed(*m.accuracy));
  }
  s += "\n";
  if (confusion == nullptr) return s;

  const int64_t k = confusion->classes();
  size_t label_width = 0;
  for (int64_t c = 0; c < k; ++c) label_width = std::max(label_width, class_label(m.class_names, c).size());
  const std::vector<double> acc = confusion->per_class_accuracy();
  s += "per-class accuracy:\n";
  for (int64_t c = 0; c < k; ++c) {
    std::string value = "-     ";
    if (!std::isnan(acc[c])) value = fixed(acc[c]);
    s += cat("  ", pad_right(class_label(m.class_names, c), label_width), "  ", value, "  (", confusion->count(c, c),
             "/", confusion->samples_of(c), ")\n");
  }

  bool any_other = false;
  for (int64_t t = 0; t < k; ++t) any_other = any_other || confusion->count(t, k) > 0;
  const int64_t columns = any_other ? k + 1 : k;
  size_t cell = 1;
  for (int64_t t = 0; t < k; ++t)
    for (int64_t p = 0; p < columns; ++p) cell = std::max(cell, std::to_string(confusion->count(t, p)).size());
  cell = std::max(cell, std::to_string(k).size());
  if (any_other) cell = std::max<size_t>(cell, 5);
  s += "confusion matrix (rows: true class, columns: predicted class):\n";
  s += cat("  ", std::string(label_width, ' '));
  for (int64_t p = 0; p < columns; ++p) {
    std::string head = std::to_string(p);
    if (p == k) head = "other";
    s += cat(" ", pad_left(head, cell));
  }
  s += "\n";
  for (int64_t t = 0; t < k; ++t) {
    s += cat("  ", pad_right(class_label(m.class_names, t), label_width));
    for (int64_t p = 0; p < columns; ++p) s += cat(" ", pad_left(std::to_string(confusion->count(t, p)), cell));
    s += "\n";
  }
  return s;
}

}  // namespace graphc::runtime
