// Numeric CSV tables for regression (the seeds' linear regression reads
// features and targets from such a table): one sample per row, the last K
// columns are the targets, the others the features. A first row that is not
// all numbers is taken as the header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/data/dataset.h"

namespace graphc::runtime::data {

// Samples are [F] float features with target_count float targets each.
// Throws graphc::Error naming the file, and line and column where it
// applies: a cell that is not a finite number, a row with another number of
// columns than the first, no data rows, no column left for features.
Dataset load_csv(const std::string& path, int64_t target_count);
// The same for a table already in memory (a model's inline recipe data);
// `source` names it in messages and in Dataset::source.
Dataset parse_csv(std::string_view text, const std::string& source, int64_t target_count);

}  // namespace graphc::runtime::data
