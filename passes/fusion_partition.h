// The state fusion works on: a partition of the graph's non-source nodes into
// groups, grown by merging, with the one legality check every merge goes
// through. Two groups may merge only if no path leaves one and re-enters the
// other through a third group: otherwise the merged kernel would have to run
// both before and after that third one. Keeping the group graph acyclic at
// every step is what lets the groups be scheduled at all.
//
// Each group also remembers its iteration spaces, set when the group is
// created from one node and inherited from the host group on every merge:
// `space` is what its main loop nest runs over (an elementwise group's shape,
// a reduction's input, a contraction's or pool's output, a softmax's logits)
// and `reduced` is the space of what it produces after reducing (a
// reduction's output, a softmax's rows; `space` for the others).
#pragma once

#include <vector>

#include "ir/graph.h"
#include "passes/fusion_roles.h"

namespace graphc::passes {

class Partition {
 public:
  explicit Partition(const Graph& g);

  const Graph& graph() const { return g_; }
  FusionRole role(ValueId v) const { return roles_[v]; }
  const std::vector<ValueId>& users(ValueId v) const { return users_[v]; }
  bool is_graph_output(ValueId v) const { return graph_output_[v]; }

  // The group holding v (a group is named by the id it was created with,
  // which survives as the host of every merge); -1 for sources.
  int group_of(ValueId v) const { return group_of_[v]; }
  const std::vector<ValueId>& nodes(int group) const { return nodes_[group]; }  // ascending
  const Shape& space(int group) const { return space_[group]; }
  const Shape& reduced(int group) const { return reduced_[group]; }
  // Every group, ascending by name.
  std::vector<int> groups() const;
  // The groups that read a value of `group`, ascending.
  std::vector<int> consumer_groups(int group) const;
  // Whether every node of the group has one of the roles elementwise/movement.
  bool is_elementwise(int group) const;

  // Merges `guest` into `host` unless that would make the group graph
  // cyclic; returns whether it merged. The result keeps host's name and
  // iteration spaces.
  bool try_merge(int host, int guest);

 private:
  // Whether some path from a node of `from` reaches a node of `to` through
  // a node outside both groups.
  bool has_path_around(int from, int to);

  const Graph& g_;
  std::vector<FusionRole> roles_;
  std::vector<std::vector<ValueId>> users_;
  std::vector<bool> graph_output_;
  std::vector<int> group_of_;
  std::vector<std::vector<ValueId>> nodes_;
  std::vector<Shape> space_, reduced_;
  // Scratch for has_path_around: visit stamps, so no clearing per search.
  std::vector<int> visited_;
  int stamp_ = 0;
};

}  // namespace graphc::passes
