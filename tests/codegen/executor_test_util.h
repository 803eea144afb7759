// What the executor tests share: a zoo model's program planned for a given
// largest batch, random batches for a program's graphs, and the tolerance
// by which a compiled backend's tensors must match the interpreter's.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "runtime/data/batch.h"
#include "runtime/program.h"

namespace graphc::codegen::testing {

// The zoo model compiled as graphc compiles it, for batches up to max_batch.
runtime::Program zoo_program(const std::string& model, int64_t max_batch);

// A batch of `b` samples of random inputs and labels for program's graphs.
runtime::data::Batch random_batch(const runtime::Program& p, int64_t b, uint64_t seed);

// |got - want| <= 1e-4 * (the largest |want| of the tensor) + 1e-6: f32
// sums of many terms carry errors in proportion to the tensor's scale, not
// to each element's.
void expect_close(std::span<const float> got, std::span<const float> want, const std::string& what);

}  // namespace graphc::codegen::testing
