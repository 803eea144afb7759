// Block-cooperative nests: a parallel nest whose every output element needs
// a long reduction (a batch norm's statistics or a bias gradient: 64
// channels, each a sum over N*H*W values) runs one output element per block
// instead of per thread, the block's 1024 threads splitting each reduction
// and combining their partial results in shared memory. One thread summing
// 10^5 values alone, with 64 threads busy on the whole GPU, is what this
// replaces.
//
// Such a nest has few elements (64 channels is one block for half the
// multiprocessors of an H100), so each block must keep many loads in
// flight to read at the memory's rate: hence the largest block, and the
// split loop written out 8 iterations a pass while all 8 are in range (no
// branch between them: their loads do not depend on the sums, so the
// compiler issues all eight before the first add needs one). Each thread
// still adds its iterations in ascending order, so no bit changes.
//
// Invariants:
// - Deterministic whatever the grid: elements are walked grid-stride by
//   block; within a block, thread j takes iterations j, j + 1024, ... of
//   the reduction in ascending order, and the 1024 partials combine in a
//   fixed tree. The result differs from a sequential sum by rounding only.
// - Every thread reaches every __syncthreads: the element loop's bound
//   depends on blockIdx only, and the statements between barriers are the
//   same for all threads (only stores are guarded by threadIdx).
// - Sums start from 0 in every thread but thread 0, which starts from the
//   value before the loop; max partials all start from that value (max is
//   idempotent), so the combined result is the sequential one up to rounding.
//
// Which nests qualify (classify): every statement of an element
// is uniform (a Let, an Accumulate, or an if without loops or stores: all
// threads compute it alike), a store (thread 0 writes it), a reduction
// loop (Accumulates into float registers assigned before it, no stores, its
// own temporaries dead after it, iterations otherwise independent), or an
// elementwise loop (independent iterations, split across the threads); and
// at least one reduction loop is long enough to share.
#include <algorithm>
#include <map>

#include "codegen/cuda/cuda_emitter.h"
#include "codegen/cuda/cuda_emitter_internal.h"

namespace graphc::codegen::cuda::detail {

namespace {

constexpr int kThreads = 1024;
constexpr int kUnroll = 8;
// A reduction of fewer iterations (at batch 128) stays in one thread.
constexpr int64_t kShareableTrips = 512;

enum class Role { uniform, store, reduction, elementwise };

bool has_loop_or_store(const Stmt& s) {
  if (s.kind == StmtKind::loop || s.kind == StmtKind::store || s.kind == StmtKind::gemm) return true;
  return std::any_of(s.body.begin(), s.body.end(), has_loop_or_store);
}

void collect_targets(const Stmt& s, std::map<ScalarId, Combine>& accumulated, std::set<ScalarId>& let) {
  if (s.kind == StmtKind::accumulate) accumulated.emplace(s.scalar, s.combine);
  if (s.kind == StmtKind::let) let.insert(s.scalar);
  for (const Stmt& c : s.body) collect_targets(c, accumulated, let);
}

bool combines_consistently(const Stmt& s, const std::map<ScalarId, Combine>& accumulated) {
  if (s.kind == StmtKind::accumulate && accumulated.at(s.scalar) != s.combine) return false;
  return std::all_of(s.body.begin(), s.body.end(), [&](const Stmt& c) { return combines_consistently(c, accumulated); });
}

// The perfectly nested chain of loops starting at `loop`.
std::vector<const Stmt*> loop_chain(const Stmt& loop) {
  std::vector<const Stmt*> chain = {&loop};
  while (chain.back()->body.size() == 1 && chain.back()->body[0].kind == StmtKind::loop)
    chain.push_back(&chain.back()->body[0]);
  return chain;
}

int64_t trips(const std::vector<const Stmt*>& chain, int64_t n) {
  int64_t t = 1;
  for (const Stmt* l : chain) t *= std::max<int64_t>(l->extent.at(n), 0);
  return t;
}

// Scalars read by statements [from, end) of `stmts`.
std::set<ScalarId> read_after(const std::vector<Stmt>& stmts, size_t from) {
  Uses u;
  for (size_t i = from; i < stmts.size(); ++i) collect_uses(stmts[i], u);
  return u.scalars_read;
}

struct Classified {
  bool ok = false;
  std::vector<Role> roles;
};

Classified classify(const Kernel& k, const std::vector<Stmt>& inner) {
  Classified c;
  std::set<ScalarId> assigned;  // by the uniform statements so far
  bool shareable = false;
  for (size_t i = 0; i < inner.size(); ++i) {
    const Stmt& s = inner[i];
    if (s.kind == StmtKind::let || s.kind == StmtKind::accumulate ||
        (s.kind == StmtKind::if_then && !has_loop_or_store(s))) {
      c.roles.push_back(Role::uniform);
      if (s.kind == StmtKind::let) assigned.insert(s.scalar);
      if (s.kind == StmtKind::if_then) {
        std::map<ScalarId, Combine> acc;
        std::set<ScalarId> let;
        collect_targets(s, acc, let);
        assigned.insert(let.begin(), let.end());
      }
      continue;
    }
    if (s.kind == StmtKind::store) {
      c.roles.push_back(Role::store);
      continue;
    }
    if (s.kind != StmtKind::loop) return c;
    std::map<ScalarId, Combine> accumulated;
    std::set<ScalarId> temporaries;
    collect_targets(s, accumulated, temporaries);
    Uses uses;
    collect_uses(s, uses);
    const std::set<ScalarId> later = read_after(inner, i + 1);
    for (ScalarId t : temporaries)
      if (later.count(t) || accumulated.count(t)) return c;
    if (accumulated.empty()) {
      if (!independent_iterations(s)) return c;
      c.roles.push_back(Role::elementwise);
      continue;
    }
    if (!uses.stored.empty() || !combines_consistently(s, accumulated)) return c;
    for (const auto& entry : accumulated)
      if (!assigned.count(entry.first) || !is_float(k.scalars[static_cast<size_t>(entry.first)])) return c;
    if (!defined_before_read(s.body, assigned)) return c;
    c.roles.push_back(Role::reduction);
    if (trips(loop_chain(s), 128) >= kShareableTrips) shareable = true;
  }
  c.ok = shareable;
  return c;
}

std::string shared_array(DType t) { return "gc_block_" + register_type(t); }

// `chain` with its iterations split across the block's threads, the
// innermost body written by w: kUnroll iterations a pass while all of them
// are in range (no branch between their loads), then one at a time.
void write_split_chain(BodyWriter& w, const std::vector<const Stmt*>& chain, std::ostringstream& out, int indent) {
  const std::string pad(static_cast<size_t>(indent) * 2, ' ');
  Uses uses;
  for (const Stmt& s : chain.back()->body) collect_uses(s, uses);
  const auto iteration = [&](int depth) {
    write_loop_variables(chain, "u", uses.vars, depth, out);
    w.body(chain.back()->body, depth);
  };
  out << pad << "{\n";
  out << pad << "  const long long gc_end = " << extent_product(chain) << ";\n";
  out << pad << "  long long gc_u = threadIdx.x;\n";
  out << pad << "  for (; gc_u + " << kUnroll - 1 << "LL * blockDim.x < gc_end; gc_u += " << kUnroll
      << "LL * blockDim.x) {\n";
  for (int j = 0; j < kUnroll; ++j) {
    out << pad << "    {\n";
    out << pad << "      const long long u = gc_u + " << j << "LL * blockDim.x;\n";
    iteration(indent + 3);
    out << pad << "    }\n";
  }
  out << pad << "  }\n";
  out << pad << "  for (long long u = gc_u; u < gc_end; u += blockDim.x) {\n";
  iteration(indent + 2);
  out << pad << "  }\n";
  out << pad << "}\n";
}

}  // namespace

bool write_block_cooperative_nest(const Kernel& k, const std::vector<const Stmt*>& flat, const std::vector<Stmt>& inner,
                                  CudaFunction& f, std::ostringstream& out) {
  const Classified c = classify(k, inner);
  if (!c.ok) return false;
  Uses uses;
  for (const Stmt& s : inner) collect_uses(s, uses);
  for (const Stmt* loop : flat) f.work.push_back(loop->extent);
  f.work.push_back(SizeExpr(kThreads));
  f.block_threads = kThreads;

  // One shared array per register type that a reduction combines.
  std::set<DType> combined;
  for (size_t i = 0; i < inner.size(); ++i) {
    if (c.roles[i] != Role::reduction) continue;
    std::map<ScalarId, Combine> acc;
    std::set<ScalarId> let;
    collect_targets(inner[i], acc, let);
    for (const auto& [scalar, combine] : acc)
      if (uses.scalars_read.count(scalar)) combined.insert(k.scalars[static_cast<size_t>(scalar)]);
  }
  for (DType t : combined) out << "  __shared__ " << register_type(t) << " " << shared_array(t) << "[" << kThreads << "];\n";

  out << "  const long long total = " << extent_product(flat) << ";\n";
  out << "  for (long long t = blockIdx.x; t < total; t += gridDim.x) {\n";
  write_loop_variables(flat, "t", uses.vars, 2, out);
  BodyWriter w(k, out, uses.scalars_read);
  w.declare_scalars(2);
  for (size_t i = 0; i < inner.size(); ++i) {
    const Stmt& s = inner[i];
    switch (c.roles[i]) {
      case Role::uniform: w.stmt(s, 2); break;
      case Role::store:
        out << "    if (threadIdx.x == 0) {\n";
        w.stmt(s, 3);
        out << "    }\n";
        out << "    __syncthreads();\n";
        break;
      case Role::elementwise:
        write_split_chain(w, {&s}, out, 2);
        out << "    __syncthreads();\n";
        break;
      case Role::reduction: {
        std::map<ScalarId, Combine> acc;
        std::set<ScalarId> let;
        collect_targets(s, acc, let);
        for (const auto& [scalar, combine] : acc)
          if (combine == Combine::sum && uses.scalars_read.count(scalar))
            out << "    if (threadIdx.x != 0) " << scalar_name(scalar) << " = 0;\n";
        write_split_chain(w, loop_chain(s), out, 2);
        for (const auto& [scalar, combine] : acc) {
          if (!uses.scalars_read.count(scalar)) continue;
          const std::string r = scalar_name(scalar);
          const DType t = k.scalars[static_cast<size_t>(scalar)];
          const std::string a = shared_array(t), T = register_type(t);
          const std::string merged = combine == Combine::sum
                                         ? "(" + T + ")(" + a + "[threadIdx.x] + " + a + "[threadIdx.x + w])"
                                         : "gc_acc_max(" + a + "[threadIdx.x], " + a + "[threadIdx.x + w])";
          out << "    " << a << "[threadIdx.x] = " << r << ";\n";
          out << "    __syncthreads();\n";
          out << "    for (int w = " << kThreads / 2 << "; w > 0; w >>= 1) {\n";
          out << "      if (threadIdx.x < w) " << a << "[threadIdx.x] = " << merged << ";\n";
          out << "      __syncthreads();\n";
          out << "    }\n";
          out << "    " << r << " = " << a << "[0];\n";
          out << "    __syncthreads();\n";
        }
        break;
      }
    }
  }
  out << "  }\n";
  return true;
}

}  // namespace graphc::codegen::cuda::detail
