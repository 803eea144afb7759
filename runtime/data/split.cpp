// One permutation cut in two: the cut point is the only thing val_count changes.
#include "runtime/data/split.h"

#include <cmath>
#include <limits>

#include "ir/error.h"
#include "runtime/data/shuffle.h"

namespace graphc::runtime::data {

TrainValSplit random_split(int64_t count, int64_t val_count, uint64_t seed) {
  if (count < 0 || count > std::numeric_limits<uint32_t>::max())
    throw Error(cat("cannot split ", count, " samples (at most 2^32-1)"));
  if (val_count < 0 || val_count > count)
    throw Error(cat("validation split of ", val_count, " samples out of ", count, " is impossible"));
  std::vector<uint32_t> perm = seeded_permutation(static_cast<uint32_t>(count), seed, kSplitStream);
  const auto train_count = static_cast<size_t>(count - val_count);
  TrainValSplit split;
  split.train.assign(perm.begin(), perm.begin() + static_cast<ptrdiff_t>(train_count));
  split.val.assign(perm.begin() + static_cast<ptrdiff_t>(train_count), perm.end());
  return split;
}

int64_t validation_count(int64_t count, double fraction) {
  if (!(fraction >= 0.0 && fraction < 1.0)) throw Error(cat("validation fraction ", fraction, " must lie in [0, 1)"));
  return static_cast<int64_t>(std::floor(static_cast<double>(count) * fraction));
}

}  // namespace graphc::runtime::data
