#include "passes/simplify.h"

#include "passes/algebraic_simplification.h"
#include "passes/common_subexpression_elimination.h"
#include "passes/constant_folding.h"
#include "passes/dead_code_elimination.h"

namespace graphc::passes {

bool simplify(Graph& g) {
  bool changed_ever = false;
  for (int round = 0;; ++round) {
    // Every rewrite removes a node or replaces a chain by a shorter one, so a
    // graph of n nodes reaches its fixed point in far fewer than n rounds.
    GRAPHC_ASSERT(round <= static_cast<int>(g.size()) + 1, "simplify does not reach a fixed point");
    bool changed = false;
    changed |= simplify_algebra(g);
    changed |= fold_constants(g);
    changed |= eliminate_common_subexpressions(g);
    changed |= eliminate_dead_code(g);
    if (!changed) return changed_ever;
    changed_ever = true;
  }
}

}  // namespace graphc::passes
