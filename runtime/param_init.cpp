// Parameter initialisation, defined so that every backend and every run
// draws the same values. This is the definition other backends reproduce:
//
//   stream(P) = FNV-1a 64-bit hash of P's name (offset basis
//               14695981039346656037, prime 1099511628211, over its bytes)
//   u(j)      = philox_uniform(seed, stream(P), j)        (runtime/philox.h)
//   element i of parameter P, computed in double:
//     zeros            0
//     ones             1
//     constant(v)      v
//     uniform(lo, hi)  lo + (hi - lo) * u(i)
//     normal(m, s)     m + s * z, where (Box-Muller)
//                      z = sqrt(-2 * log(1 - u(2i))) * cos((2 * pi) * u(2i+1))
//                      and 1 - u lies in (0, 1], so the log is finite
//   then rounded to float for f32 parameters (f64 ones keep the double).
//
// A value depends only on (seed, name, i): not on parameter order, on other
// parameters, or on the backend. Normal draws go through libm's log and cos,
// which are not correctly rounded on every platform, so backends call this
// function on the host rather than re-deriving normal values themselves.
#include <cmath>
#include <numbers>

#include "runtime/interpreter.h"
#include "runtime/philox.h"

namespace graphc::runtime {

namespace {

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

double draw(const InitSpec& init, uint64_t seed, uint64_t stream, uint64_t i) {
  if (init.kind == "zeros") return 0.0;
  if (init.kind == "ones") return 1.0;
  if (init.kind == "constant") return init.args[0];
  if (init.kind == "uniform") {
    const double lo = init.args[0], hi = init.args[1];
    return lo + (hi - lo) * static_cast<double>(philox_uniform(seed, stream, i));
  }
  GRAPHC_ASSERT(init.kind == "normal", "unchecked init ", init.str());
  const double u1 = philox_uniform(seed, stream, 2 * i), u2 = philox_uniform(seed, stream, 2 * i + 1);
  const double z = std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * std::numbers::pi * u2);
  return init.args[0] + init.args[1] * z;
}

}  // namespace

TensorMap init_parameters(const Graph& g, uint64_t seed) {
  TensorMap params;
  for (ValueId id : g.parameters()) {
    const Node& n = g.node(id);
    const std::string& name = n.s("name");
    const InitSpec init = g.init_of(id);
    if (std::string p = init.problem(); !p.empty()) throw Error(cat("parameter '", name, "': ", p));
    HostTensor t(n.type.dtype, n.type.shape);
    const uint64_t stream = fnv1a64(name);
    for (int64_t i = 0; i < t.numel(); ++i) {
      double v = draw(init, seed, stream, static_cast<uint64_t>(i));
      if (n.type.dtype == DType::f32) v = static_cast<float>(v);
      t.data[i] = v;
    }
    params[name] = std::move(t);
  }
  return params;
}

}  // namespace graphc::runtime
