// The reference interpreter: executes any graph on the CPU with plain loops
// and double arithmetic. It is the oracle every backend is checked against,
// so it favours obviousness over speed (but keeps loops cache-friendly enough
// for 200 MNIST steps in a test).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc::runtime {

// A host tensor for the interpreter: values held as doubles whatever the
// dtype (integers and bools exactly), shape fully static.
struct HostTensor {
  DType dtype = DType::f32;
  Shape shape;
  std::vector<double> data;

  HostTensor() = default;
  HostTensor(DType dtype, Shape shape);                               // zeros
  HostTensor(DType dtype, Shape shape, std::vector<double> values);   // checks the count
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
};

// Values fed by name: every input ("x", "y", "seed") and every parameter
// ("fc1.weight"). Outputs come back by output name.
using TensorMap = std::map<std::string, HostTensor>;

// Runs g. N is taken from the fed inputs (all must agree). Throws
// graphc::Error naming the missing feed or the mismatching shape. Feeds that
// g does not name are ignored; only the values the outputs need are computed.
TensorMap interpret(const Graph& g, const TensorMap& feeds);

// Like interpret, and returns every node's value (index = ValueId).
std::vector<HostTensor> interpret_all(const Graph& g, const TensorMap& feeds);

// Draws every parameter of g from its InitSpec. Values depend only on (seed,
// parameter name, element index), through Philox, so they do not depend on
// the order of parameters or on the backend; f32 parameters are rounded to f32.
TensorMap init_parameters(const Graph& g, uint64_t seed);

}  // namespace graphc::runtime
