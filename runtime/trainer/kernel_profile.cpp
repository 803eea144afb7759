// See kernel_profile.h.
#include "runtime/trainer/kernel_profile.h"

#include <algorithm>
#include <cstdio>

#include "ir/error.h"

namespace graphc::runtime {

namespace {

std::string fixed(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::string padded(const std::string& s, size_t width, bool right) {
  if (s.size() >= width) return s;
  const std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

// Which step a graph's pieces belong to: the optimizer's update is part of a training step.
std::string step_of(const std::string& graph) { return graph == "update" ? "train" : graph; }

}  // namespace

KernelProfile::Piece KernelProfile::piece(const std::string& graph, const std::string& name, const std::string& what) {
  auto [it, made] = by_key_.try_emplace({graph, name}, entries_.size());
  if (made) entries_.push_back({graph, name, what});
  return it->second;
}

void KernelProfile::add(Piece p, double seconds) {
  GRAPHC_ASSERT(p < entries_.size(), "profile piece ", p, " of ", entries_.size());
  entries_[p].calls += 1;
  entries_[p].seconds += seconds;
}

int64_t KernelProfile::steps(const std::string& graph) const {
  auto it = steps_.find(step_of(graph));
  return it == steps_.end() ? 0 : it->second;
}

double KernelProfile::seconds(const std::string& graph) const {
  double total = 0;
  for (const Entry& e : entries_)
    if (e.graph == graph) total += e.seconds;
  return total;
}

std::string KernelProfile::table(size_t rows) const {
  const int64_t train_steps = steps("train"), eval_steps = steps("eval");
  std::string s = cat("profile of ", train_steps, " training and ", eval_steps, " eval steps, ", executor_, "\n");
  for (const char* step : {"train", "eval"}) {
    const int64_t n = steps(step);
    if (n == 0) continue;
    std::vector<const Entry*> pieces;
    double total = 0;
    for (const Entry& e : entries_)
      if (step_of(e.graph) == step && e.calls > 0) pieces.push_back(&e), total += e.seconds;
    std::stable_sort(pieces.begin(), pieces.end(), [](const Entry* a, const Entry* b) { return a->seconds > b->seconds; });
    const bool training = step == std::string("train");
    const double per_step_us = total / static_cast<double>(n) * 1e6;
    s += cat(training ? "training" : "eval", " step: ", fixed(per_step_us, 1), " us timed");
    if (training && train_wall_s_ > 0)
      s += cat(", ", fixed(train_wall_s_ / static_cast<double>(n) * 1e6, 1), " us wall");
    s += "\n";
    s += "    share   us/step  calls/step   us/call  piece                          what\n";
    const size_t shown = std::min(pieces.size(), training ? rows : std::min<size_t>(rows, 5));
    for (size_t i = 0; i < shown; ++i) {
      const Entry& e = *pieces[i];
      const double share = total > 0 ? 100 * e.seconds / total : 0;
      s += cat("  ", padded(fixed(share, 1) + "%", 7, true), " ",
               padded(fixed(e.seconds / static_cast<double>(n) * 1e6, 1), 9, true), " ",
               padded(fixed(static_cast<double>(e.calls) / static_cast<double>(n), 2), 11, true), " ",
               padded(fixed(e.seconds / static_cast<double>(e.calls) * 1e6, 1), 9, true), "  ",
               padded(e.graph == "update" ? "update: " + e.name : e.name, 30, false), " ", e.what, "\n");
    }
    if (shown < pieces.size()) {
      double rest = 0;
      for (size_t i = shown; i < pieces.size(); ++i) rest += pieces[i]->seconds;
      s += cat("  ", padded(fixed(total > 0 ? 100 * rest / total : 0, 1) + "%", 7, true), " ",
               padded(fixed(rest / static_cast<double>(n) * 1e6, 1), 9, true), "  (", pieces.size() - shown,
               " more)\n");
    }
  }
  return s;
}

nlohmann::json KernelProfile::to_json() const {
  nlohmann::json pieces = nlohmann::json::array();
  for (const Entry& e : entries_)
    pieces.push_back({{"graph", e.graph}, {"name", e.name}, {"what", e.what}, {"calls", e.calls}, {"seconds", e.seconds}});
  return {{"executor", executor_},         {"train_steps", steps("train")}, {"eval_steps", steps("eval")},
          {"train_wall_s", train_wall_s_}, {"pieces", pieces}};
}

}  // namespace graphc::runtime
