// Elementwise nests four elements a thread, each contiguous operand moved
// in one 16-byte access (float4, int4; uchar4 for bytes and booleans): a
// quarter of the memory instructions and of the index arithmetic of the
// scalar loop, which stays as the fallback.
//
// Which nests qualify: the body is straight-line (Lets and Stores), the
// innermost flattened loop has a constant extent that is a multiple of 4,
// and every load and store indexes that loop with coefficient 1 (a vector
// site) or not at all (a load every lane shares), in a 4- or 1-byte type,
// with its offset and other coefficients multiples of 4, so a site's four
// elements never straddle a row and are 16-byte aligned when its buffer
// is. Buffers' alignment is only known at run time (a parameter slot may
// start anywhere), so the function checks it and runs the scalar loop
// when a vector site's buffer is not aligned.
//
// Invariants: every vector load of an iteration happens before its lanes
// and every vector store after them, so a buffer written over another in
// place (Kernel::writes_in_place) reads each element before it is
// written, as in the scalar loop; the lanes run the scalar body in order,
// so results are the scalar loop's to the bit.
#include <map>

#include "codegen/cuda/cuda_emitter.h"
#include "codegen/cuda/cuda_emitter_internal.h"

namespace graphc::codegen::cuda::detail {

namespace {

constexpr int kLanes = 4;
constexpr const char* kComponents[kLanes] = {".x", ".y", ".z", ".w"};

bool multiple_of_lanes(const SizeExpr& s) { return s.constant % kLanes == 0 && s.per_n % kLanes == 0; }

// The vector type of a buffer's elements, or "" when they do not vectorise.
std::string vector_type(DType t) {
  switch (t) {
    case DType::f32: return "float4";
    case DType::i32: return "int4";
    case DType::u8:
    case DType::boolean: return "uchar4";
    default: return "";
  }
}

struct Site {
  BufferId buffer;
  AffineIndex index;
};

struct Sites {
  bool ok = true;
  std::vector<Site> loads, stores;  // vector sites, in order of appearance
};

// How `index` reads or writes along the innermost loop v: a vector site, a
// lane-invariant one (coefficient 0; loads only), or neither.
enum class Access { vector, shared, other };
Access access(const AffineIndex& index, VarId v) {
  const AffineIndex::Term* along = nullptr;
  for (const AffineIndex::Term& t : index.terms)
    if (t.var == v) along = &t;
  if (along == nullptr) return Access::shared;
  if (!(along->coeff == SizeExpr(1)) || !multiple_of_lanes(index.offset)) return Access::other;
  for (const AffineIndex::Term& t : index.terms)
    if (t.var != v && !multiple_of_lanes(t.coeff)) return Access::other;
  return Access::vector;
}

void collect_loads(const Kernel& k, const Expr& e, VarId v, Sites& sites) {
  if (e.kind == ExprKind::load) {
    const Access a = access(e.index, v);
    if (a == Access::other || (a == Access::vector && vector_type(k.buffers[static_cast<size_t>(e.buffer)].dtype).empty()))
      sites.ok = false;
    if (a == Access::vector) sites.loads.push_back({e.buffer, e.index});
  }
  for (const ExprPtr& operand : e.operands) collect_loads(k, *operand, v, sites);
}

Sites vector_sites(const Kernel& k, const std::vector<const Stmt*>& flat, const std::vector<Stmt>& inner) {
  Sites sites;
  const Stmt& innermost = *flat.back();
  if (!innermost.extent.is_constant() || innermost.extent.constant % kLanes != 0) sites.ok = false;
  for (const Stmt& s : inner) {
    if (!sites.ok) break;
    if (s.kind != StmtKind::let && s.kind != StmtKind::store) {
      sites.ok = false;
      break;
    }
    collect_loads(k, *s.value, innermost.var, sites);
    if (s.kind == StmtKind::store) {
      if (access(s.index, innermost.var) != Access::vector ||
          vector_type(k.buffers[static_cast<size_t>(s.buffer)].dtype).empty())
        sites.ok = false;
      sites.stores.push_back({s.buffer, s.index});
    }
  }
  if (sites.stores.empty() && sites.loads.empty()) sites.ok = false;
  return sites;
}

}  // namespace

bool open_vector_nest(const Kernel& k, const std::vector<const Stmt*>& flat, const std::vector<Stmt>& inner,
                      CudaFunction& f, std::ostringstream& out) {
  const Sites sites = vector_sites(k, flat, inner);
  if (!sites.ok) return false;
  const Stmt& innermost = *flat.back();
  const std::string v = var_name(innermost.var);
  Uses uses;
  for (const Stmt& s : inner) collect_uses(s, uses);
  for (const Stmt* loop : flat)
    f.work.push_back(loop == &innermost ? SizeExpr(innermost.extent.constant / kLanes) : loop->extent);

  BodyWriter w(k, out, uses.scalars_read);
  // One temporary per distinct site, keyed by its text ("b0[...]").
  BodyWriter::VectorLanes lanes;
  std::vector<std::pair<std::string, const Site*>> loads, stores;  // temporary, site
  const auto site_text = [&](const Site& s) { return buffer_name(s.buffer) + "[" + w.index(s.index) + "]"; };
  for (const Site& s : sites.loads)
    if (lanes.temps.try_emplace(site_text(s), "gc_v" + std::to_string(loads.size())).second)
      loads.push_back({"gc_v" + std::to_string(loads.size()), &s});
  for (const Site& s : sites.stores)
    if (lanes.temps.try_emplace(site_text(s), "gc_w" + std::to_string(stores.size())).second)
      stores.push_back({"gc_w" + std::to_string(stores.size()), &s});

  // Aligned: 16 bytes for the 4-byte types' sites, 4 for the bytes'.
  std::set<BufferId> wide, narrow;
  for (const std::vector<Site>* list : {&sites.loads, &sites.stores})
    for (const Site& s : *list)
      (dtype_size(k.buffers[static_cast<size_t>(s.buffer)].dtype) == 4 ? wide : narrow).insert(s.buffer);
  const auto any_bits = [](const std::set<BufferId>& buffers, int mask) {
    std::string bits;
    for (BufferId b : buffers) bits += (bits.empty() ? "" : " | ") + std::string("(gc_u64)") + buffer_name(b);
    return bits.empty() ? std::string("true") : "((" + bits + ") & " + std::to_string(mask) + ") == 0";
  };
  out << "  const long long total = " << extent_product(flat) << ";\n";
  out << "  if (" << any_bits(wide, 15) << " && " << any_bits(narrow, 3) << ") {\n";
  out << "    for (long long q = (long long)blockIdx.x * blockDim.x + threadIdx.x; q < total / " << kLanes
      << "; q += (long long)gridDim.x * blockDim.x) {\n";
  out << "      const long long t = q * " << kLanes << ";\n";
  std::set<VarId> others = uses.vars;
  others.erase(innermost.var);
  write_loop_variables(flat, "t", others, 3, out);
  out << "      const long long gc_base = gc_mod(t, " << size_text(innermost.extent) << ");\n";
  w.declare_scalars(3);
  const auto type_of = [&](const Site& s) { return vector_type(k.buffers[static_cast<size_t>(s.buffer)].dtype); };
  for (const auto& [temp, site] : loads) out << "      " << type_of(*site) << " " << temp << ";\n";
  for (const auto& [temp, site] : stores) out << "      " << type_of(*site) << " " << temp << ";\n";
  out << "      {\n";
  out << "        const long long " << v << " = gc_base;\n";
  for (const auto& [temp, site] : loads)
    out << "        " << temp << " = *(const " << type_of(*site) << "*)(" << buffer_name(site->buffer) << " + ("
        << w.index(site->index) << "));\n";
  out << "      }\n";
  for (int lane = 0; lane < kLanes; ++lane) {
    lanes.component = kComponents[lane];
    out << "      {\n";
    out << "        const long long " << v << " = gc_base + " << lane << ";\n";
    out << "        (void)" << v << ";\n";
    w.set_lanes(&lanes);
    w.body(inner, 4);
    w.set_lanes(nullptr);
    out << "      }\n";
  }
  if (!stores.empty()) {
    out << "      {\n";
    out << "        const long long " << v << " = gc_base;\n";
    for (const auto& [temp, site] : stores)
      out << "        *(" << type_of(*site) << "*)(" << buffer_name(site->buffer) << " + (" << w.index(site->index)
          << ")) = " << temp << ";\n";
    out << "      }\n";
  }
  out << "    }\n";
  out << "  } else {\n";
  return true;
}

}  // namespace graphc::codegen::cuda::detail
