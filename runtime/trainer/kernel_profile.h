// Where a training run's time goes, piece by piece (the trainers' --profile
// FILE). The executor times each piece of work of a step as it runs it: the
// CPU executor each kernel call (the wall clock: calls run one after
// another, the pool's threads inside them), the CUDA executor each launch of
// the captured step on the device (events between the launches, recorded
// in the graph itself, so the times are those of the replayed graph), and
// both the inputs and the optimizer's update. The training loop adds the
// wall time of the training steps, so what the kernels take and what the
// rest of a step takes (the data loader, the host, waits) can be told apart.
//
// Pieces are keyed by graph ("train", "eval", "update") and name; `what`
// says what the piece computes (the fused group's ops, for a kernel).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace graphc::runtime {

class KernelProfile {
 public:
  using Piece = size_t;

  // The piece (graph, name), made on first use with `what`.
  Piece piece(const std::string& graph, const std::string& name, const std::string& what);
  void add(Piece p, double seconds);
  // One more step of `graph` ran ("train" or "eval"; "update" counts with "train").
  void count_step(const std::string& graph) { ++steps_[graph]; }
  // The wall time of the training steps, as the training loop saw it.
  void add_train_wall(double seconds) { train_wall_s_ += seconds; }
  void set_executor(std::string name) { executor_ = std::move(name); }

  int64_t steps(const std::string& graph) const;
  double seconds(const std::string& graph) const;  // all pieces of the graph

  // The report: per step of each graph, its pieces by time, largest first,
  // at most `rows` of them for the training step (the rest summed in one line).
  std::string table(size_t rows = 15) const;
  // {"executor", "train_steps", "eval_steps", "train_wall_s",
  //  "pieces": [{"graph", "name", "what", "calls", "seconds"}, ...]}
  nlohmann::json to_json() const;

  struct Entry {
    std::string graph, name, what;
    int64_t calls = 0;
    double seconds = 0;
  };
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
  std::map<std::pair<std::string, std::string>, Piece> by_key_;
  std::map<std::string, int64_t> steps_;
  double train_wall_s_ = 0;
  std::string executor_;
};

}  // namespace graphc::runtime
