// Tile sizes of the packed GEMM for a target. The micro-tile fills the vector
// register file (accumulators + the B vectors of one k + one broadcast of A);
// KC keeps a B micro-panel (KC x NR) in L1 next to the streaming A panel; MC
// keeps the packed A block in L2. Only KC changes results (it fixes where the
// fma chains are cut), so it depends on nothing but the target and the type.
#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <string>

#include "codegen/cpu/gemm_codegen.h"

namespace graphc::codegen::cpu {

namespace {

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// Cycles per element of C for an mr x nv tile on an m x n problem: the
// padded tiles times the cycles of one k step (two fma ports; loads of the
// B vectors at two a cycle and of the A broadcasts at `broadcast_cycles`
// each; about a cycle of loop and pointer work), over the multiply-adds the
// step does. AVX2's broadcasts are fitted to a Zen 3, where tiles of one
// vector (14 x 8: 14 broadcasts for 14 fma) ran at half the speed of 6 x 16
// and 5 x 16, and 6 x 16 beat 4 x 24 on squares: three quarters of a cycle.
double tile_cost(int64_t m, int64_t n, int64_t lanes, int64_t mr, int64_t nv, double broadcast_cycles) {
  const double padded_m = double(round_up(m, mr)), padded_n = double(round_up(n, nv * lanes));
  const double loads = double(mr) * broadcast_cycles + double(nv) / 2;
  const double cycles_per_k = std::max(double(mr * nv) / 2, loads) + 1;
  return padded_m * padded_n * cycles_per_k / double(mr * nv * lanes);
}

}  // namespace

GemmBlocking choose_gemm_blocking(const CpuTarget& target, DType t, const Gemm& g, int64_t batch) {
  // A size at the given batch, for choosing blocks (never for correctness).
  auto nominal = [batch](const SizeExpr& s) { return std::max<int64_t>(1, s.at(batch)); };
  GRAPHC_ASSERT(t == DType::f32 || t == DType::f64, "gemm on ", dtype_name(t));
  GemmBlocking bk;
  const bool avx512 = target.has_feature("avx512f");
  const int64_t vector_bits = target.f32_lanes() * 32;
  const int64_t registers = bk.registers = avx512 ? 32 : 16;
  const int64_t elem_bits = t == DType::f32 ? 32 : 64;
  bk.lanes = vector_bits / elem_bits;
  const int64_t m = nominal(g.m), n = nominal(g.n_cols);
  // The micro-tile: accumulators + nv B vectors + one broadcast fill the
  // registers, with at least 8 independent fma chains (latency 4, two
  // ports); the cheapest for this shape (a 16 x 100 conv wastes less in a
  // 16 x 16 tile than in 14 x 32). Big problems get 14 x 32 (AVX-512) or 6 x 16.
  double best = 0;
  for (int64_t nv = 1; nv <= 4; ++nv)
    for (int64_t mr = 1; mr * nv + nv + 1 <= registers; ++mr) {
      if (mr * nv < 8) continue;
      const double cost = tile_cost(m, n, bk.lanes, mr, nv, avx512 ? 0.5 : 0.75);
      if (best == 0 || cost < best * 0.999 || (cost <= best * 1.001 && mr * nv > bk.mr * bk.nv))
        best = cost, bk.mr = mr, bk.nv = nv;
    }
  bk.kc = t == DType::f32 ? 256 : 128;
  // MC: the packed A block (MC x KC), 336 rows, so that each packed B panel
  // serves as many rows as it can while the block stays in L2. Measured
  // against 168: on a Zen 3 (AVX2, 512 KiB L2) squares went from 0.86 to
  // 0.93 of OpenBLAS; on a Xeon with AVX-512 (2 MiB L2) sgemm 2048 from
  // 0.82 to 0.87, the smaller squares unchanged (504 rows: no better).
  const int64_t mc_rows = 336;
  bk.mc = bk.mr * std::max<int64_t>(1, mc_rows / bk.mr);
  bk.nc = bk.nr() * std::max<int64_t>(1, 512 / bk.nr());
  if (const char* tune = std::getenv("GRAPHC_GEMM_TUNE")) {  // bench/gemm_bench.cpp's knob: "mr,nv,mc,nc"
    long mr = 0, nv = 0, mc = 0, nc = 0;
    if (std::sscanf(tune, "%ld,%ld,%ld,%ld", &mr, &nv, &mc, &nc) == 4 && mr > 0 && nv > 0 && mc > 0 && nc > 0)
      bk.mr = mr, bk.nv = nv, bk.mc = round_up(mc, mr), bk.nc = round_up(nc, nv * bk.lanes);
  }
  // Cache blocks no larger than the problem and balanced (2048 rows in 7
  // blocks of 294, not 6 of 336 and one of 32: the pool splits units, not
  // rows), then small enough to give the pool a few units: a 64x300 weight
  // gradient is still split.
  auto balanced = [](int64_t extent, int64_t block, int64_t step) {
    const int64_t blocks = (extent + block - 1) / block;
    return std::min(block, round_up((extent + blocks - 1) / blocks, step));
  };
  bk.mc = balanced(m, bk.mc, bk.mr);
  bk.nc = balanced(n, bk.nc, bk.nr());
  const bool shared_operand = g.a_batch_stride.is_zero() || g.b_batch_stride.is_zero();
  bk.batch_chunk = !g.reduce_batch && shared_operand ? 8 : 1;
  const int64_t batch_units = g.reduce_batch ? g.reduce_runs : (nominal(g.batch) + bk.batch_chunk - 1) / bk.batch_chunk;
  auto units = [&] {
    return batch_units * g.groups * ((m + bk.mc - 1) / bk.mc) * ((n + bk.nc - 1) / bk.nc);
  };
  constexpr int64_t kMinUnits = 8;
  while (units() < kMinUnits && bk.nc > bk.nr()) bk.nc = round_up(bk.nc / 2, bk.nr());
  while (units() < kMinUnits && bk.mc > bk.mr) bk.mc = round_up(bk.mc / 2, bk.mr);
  return bk;
}

}  // namespace graphc::codegen::cpu
