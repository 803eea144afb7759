// The train/validation split: a seeded random subset of the training set is
// held out, as the seeds do with torch's random_split(ds, [50000, 10000]).
// It depends only on (sample count, validation count, seed), so a resumed
// run and every epoch see the same split.
#pragma once

#include <cstdint>
#include <vector>

namespace graphc::runtime::data {

struct TrainValSplit {
  std::vector<uint32_t> train;  // data set indices, in the permutation's order
  std::vector<uint32_t> val;
};

// Permutes 0..count-1 by the seed; the first count - val_count indices train,
// the rest validate (torch's random_split layout). Throws graphc::Error when
// val_count exceeds count.
TrainValSplit random_split(int64_t count, int64_t val_count, uint64_t seed);

// The validation count for a fraction of count (rounded down), checked to
// lie in [0, 1).
int64_t validation_count(int64_t count, double fraction);

}  // namespace graphc::runtime::data
