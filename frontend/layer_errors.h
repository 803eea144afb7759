// How nn:: layers report bad input. A user's mistake must name the layer it
// happened in ("Linear(784, 128) in 'fc1': input f32[N,100] has 100 features,
// expected 784"), not an op deep inside it, so every layer checks its input
// up front and prefixes any error raised while it builds its ops.
#pragma once

#include <string>

#include "frontend/builder.h"

namespace graphc::nn::detail {

// "Linear(784, 128)", plus " in 'fc1'" when the layer runs inside a scope.
inline std::string layer_label(const Builder& b, const std::string& layer) {
  std::string path = b.scoped_name("");
  if (path.empty()) return layer;
  path.pop_back();  // the trailing "."
  return layer + " in '" + path + "'";
}

inline Error layer_error(Tensor x, const std::string& layer, const std::string& problem) {
  return Error(layer_label(x.builder(), layer) + ": " + problem);
}

// A dimension as the printer writes it: N for the batch symbol.
inline std::string dim_str(int64_t d) { return d == kBatch ? "N" : std::to_string(d); }

inline void require_float_input(Tensor x, const std::string& layer) {
  if (!is_float(x.dtype())) throw layer_error(x, layer, "input " + x.type().str() + " must be a floating-point tensor");
}

// Builds the layer's ops; an Error from inside (shape inference, a parameter
// asked for twice with different shapes) comes out prefixed with the layer.
template <typename Body>
Tensor build_layer(Tensor x, const std::string& layer, Body&& body) {
  std::string label = layer_label(x.builder(), layer);
  try {
    return body();
  } catch (const Error& e) {
    throw Error(label + ": " + e.what());
  }
}

}  // namespace graphc::nn::detail
