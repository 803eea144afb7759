// CIFAR-10 in its binary distribution (cifar-10-binary.tar.gz, unpacked):
// data_batch_1.bin .. data_batch_5.bin for training and test_batch.bin, each
// a sequence of 3073-byte records: one label byte, then 32x32 red, green and
// blue planes (CHW, the layout the network takes, so no transposition).
#pragma once

#include <string>
#include <string_view>

#include "runtime/data/dataset.h"

namespace graphc::runtime::data {

// split: "train" (the five data batches, in order) or "test". dir may also be
// the parent of a cifar-10-batches-bin folder. Class names come from
// batches.meta.txt when present, else the standard airplane..truck list.
// Throws graphc::Error naming the file when one is missing, not a whole
// number of records, or holds a label above 9.
Dataset load_cifar10_binary(const std::string& dir, std::string_view split);

// Whether dir (or its cifar-10-batches-bin) holds data_batch_1.bin.
bool looks_like_cifar10_binary(const std::string& dir);

}  // namespace graphc::runtime::data
