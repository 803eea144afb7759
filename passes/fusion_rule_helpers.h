// What the fusion rules share (fusion_rules.cpp, fusion_anchor_rules.cpp):
// the guard that keeps every group one kernel, and epilogue absorption.
#pragma once

#include <vector>

#include "passes/fusion_partition.h"

namespace graphc::passes {

// Whether host and guest together still make one kernel of one pass: at most
// one contraction or pool, never beside a softmax; contractions, pools and
// softmaxes read only values from outside the kernel; a reduction reads
// values computed in the kernel (its prologue) but never one that depends on
// another anchor of the kernel. So every kernel is a prologue, a set of
// independent anchors, and an epilogue.
bool one_pass_kernel(const Partition& p, int host, int guest);
// one_pass_kernel, then Partition::try_merge.
bool merge_if_one_pass(Partition& p, int host, int guest);
// Merges into `host`, until none is left, every elementwise group that reads
// one of its values and whose space is one of `spaces`. Returns whether any
// merged.
bool absorb_consumers(Partition& p, int host, const std::vector<Shape>& spaces);

}  // namespace graphc::passes
