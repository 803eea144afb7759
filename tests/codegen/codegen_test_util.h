// The harness every codegen test uses: lower a group of a graph, JIT it once,
// run it on fresh random inputs for one or more batch sizes, and compare each
// output with the reference interpreter (the oracle) running the whole graph.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "codegen/cpu/jit.h"
#include "codegen/lower_group.h"
#include "runtime/interpreter.h"

namespace graphc::codegen::testing {

// One JIT for the whole test binary: compiling many small modules into one
// LLJIT is much cheaper than building a JIT per test.
cpu::CpuJit& shared_jit();
// A thread pool for the kernels under test.
const graphc_cpu_runtime* test_runtime();

// The host CPU with its AVX-512 features off: the AVX2 paths (8 f32 lanes,
// 16 registers, other blocks) compiled and run here too.
cpu::CpuTarget avx2_target();

// Runs f32 kernels compiled for the host and for avx2_target() on the same
// random buffers (at n = 3) and expects every output bit for bit equal: the
// sums the CPU backend chooses must not depend on the vector width.
void expect_same_bits_on_avx2(const std::vector<Kernel>& kernels, const std::string& module_name);

// The group holding exactly `nodes` (topological), reading every operand that
// is not among them, with `outputs` as its results (all of `nodes` if empty).
passes::FusedGroup make_group(const Graph& g, std::vector<ValueId> nodes, std::vector<ValueId> outputs = {},
                              passes::GroupKind kind = passes::GroupKind::other);

// How random float inputs are drawn: uniform in [low, high], rounded to f32.
struct InputRange {
  double low = -2, high = 2;
};

// Lowers `group`, compiles it once, and for each batch size draws fresh
// inputs (integers uniform in [0, 10)), runs the kernel and the interpreter
// and compares every group output: floats within relative error 1e-4
// (|got - want| <= 1e-4 * max(1, |want|); equal infinities and NaN against
// NaN match), integers and booleans exactly.
void check_group_against_interpreter(const Graph& g, const passes::FusedGroup& group,
                                     const std::vector<int64_t>& batch_sizes = {3, 7}, InputRange range = {},
                                     uint64_t seed = 1);

// Single-node group of v, checked as above.
void check_node(const Graph& g, ValueId v, InputRange range = {});

// `bytes` of memory flush against an inaccessible page: after it (a read
// past its end faults) or before it (a read before its start faults). For
// tests that a kernel reads nothing outside its buffers.
class GuardedBuffer {
 public:
  GuardedBuffer(size_t bytes, bool guard_after);
  ~GuardedBuffer();
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  float* data() { return reinterpret_cast<float*>(data_); }

 private:
  unsigned char* base_ = nullptr;
  unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace graphc::codegen::testing
