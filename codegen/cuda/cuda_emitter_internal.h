// Shared by the CUDA emitter's files: the translation of Kernel IR
// expressions and statements into CUDA C text for one __global__ function
// (cuda_emitter_body.cpp), and the Gemm kernel (cuda_emitter_gemm.cpp).
//
// Invariant: every declared local is read (NVRTC warns about unused or
// set-but-unused variables, and a warning fails the compile), so scalars
// and loop variables are declared only where the statement reads them.
#pragma once

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "codegen/kernel_ir.h"

namespace graphc::codegen::cuda {
struct CudaFunction;  // cuda_emitter.h
}

namespace graphc::codegen::cuda::detail {

// C type of a value held in a register / stored in memory.
std::string register_type(DType t);
std::string memory_type(DType t);
std::string size_text(const SizeExpr& s);  // a long long expression of n
std::string safe_identifier(const std::string& name);
std::string buffer_name(BufferId b);
std::string var_name(VarId v);
std::string scalar_name(ScalarId s);

// What a statement subtree reads and writes.
struct Uses {
  std::set<VarId> vars;           // loop variables read
  std::set<ScalarId> scalars_read;
  std::set<BufferId> loaded, stored;
};
void collect_uses(const Stmt& s, Uses& uses);
void collect_uses(const Expr& e, Uses& uses);

// Every scalar read in `stmts` is assigned earlier in the same iteration
// (scalars in `defined` count as assigned).
bool defined_before_read(const std::vector<Stmt>& stmts, std::set<ScalarId> defined);
// The iterations of `loop` may run on different threads: each assigns its
// registers before reading them, writes elements indexed by the loop
// variable, and reads no buffer the loop writes.
bool independent_iterations(const Stmt& loop);

// The product of the loops' extents, as a long long expression of n.
std::string extent_product(const std::vector<const Stmt*>& loops);
// Declares the variables of `loops` (outermost first) that `used` reads,
// from the flat index `flat` of their row-major iteration space (the
// innermost varies fastest, for coalescing).
void write_loop_variables(const std::vector<const Stmt*>& loops, const std::string& flat, const std::set<VarId>& used,
                          int indent, std::ostringstream& out);

// Writes CUDA C for statements run by one thread.
class BodyWriter {
 public:
  BodyWriter(const Kernel& kernel, std::ostringstream& out, std::set<ScalarId> live_scalars)
      : kernel_(kernel), out_(out), live_(std::move(live_scalars)) {}

  std::string expr(const Expr& e);
  std::string index(const AffineIndex& ix);
  // `v` (of type `from`) converted to `to`, as the interpreter converts.
  std::string convert(const std::string& v, DType from, DType to);
  void stmt(const Stmt& s, int indent);
  void body(const std::vector<Stmt>& stmts, int indent);
  // Declarations of the live scalars, initialised to 0.
  void declare_scalars(int indent);

  // Lane mode (cuda_emitter_vector.cpp): a load or store whose text is a
  // key of `temps` ("b0[<index>]") reads or writes `component` (".x") of
  // that vector temporary instead of memory.
  struct VectorLanes {
    std::map<std::string, std::string> temps;
    const char* component = ".x";
  };
  void set_lanes(const VectorLanes* lanes) { lanes_ = lanes; }

 private:
  std::string to_bool(const std::string& v, DType from);
  std::string op(const Expr& e);
  std::string constant(double value, DType t);
  std::string load(BufferId b, const AffineIndex& ix);
  std::ostream& line(int indent);

  const Kernel& kernel_;
  std::ostringstream& out_;
  std::set<ScalarId> live_;  // scalars read somewhere in the function: the others' writes are dead
  const VectorLanes* lanes_ = nullptr;
  // The lane's component standing for memory at `at` ("b0[...]"), or `at` itself.
  std::string lane_or(const std::string& at) const;
};

// When the statements of one element of a parallel nest gain from, and can
// be, shared by a whole block (cuda_emitter_block.cpp), writes the function
// body that does so for the flattened loops `flat` and returns true; else
// writes nothing and returns false.
bool write_block_cooperative_nest(const Kernel& k, const std::vector<const Stmt*>& flat, const std::vector<Stmt>& inner,
                                  CudaFunction& f, std::ostringstream& out);

// When an elementwise nest moves its operands four elements a thread
// (cuda_emitter_vector.cpp): writes its work, the aligned case's loop and
// "} else {" for the scalar loop the caller writes next and closes, and
// returns true; else writes nothing and returns false.
bool open_vector_nest(const Kernel& k, const std::vector<const Stmt*>& flat, const std::vector<Stmt>& inner,
                      CudaFunction& f, std::ostringstream& out);

// The tiled GEMM kernel body for `g` (the function's signature is written by the caller).
void write_gemm(const Kernel& kernel, const Gemm& g, std::ostringstream& out);
constexpr int kGemmTile = 16;

// The bodies of a Gemm's packing functions (CudaFunction::packs).
void write_pack_a(const Gemm& g, std::ostringstream& out);
void write_pack_b(const Gemm& g, std::ostringstream& out);
// V[r, col] of a window as text (the prelude's gc_window_tap/_pos/_at):
// the row's part, the column's part, and the element of `image` they give.
std::string window_tap_call(const GemmWindow& w, const std::string& r);
std::string window_pos_call(const GemmWindow& w, const std::string& col);
std::string window_at_call(const GemmWindow& w, const std::string& image, const std::string& tap,
                           const std::string& pos);

// A Gemm's alpha or beta as an exact literal of type t.
std::string gemm_number(double v, DType t);

// The implicit-GEMM alternative to cuBLAS (cuda_emitter_implicit_gemm.cpp):
// whether Gemm g of kernel k has one (an f32 convolution window or batch
// reduction with constant M, K and N), its body, its work and block size.
bool implicit_gemm_applies(const Kernel& k, const Gemm& g);
void write_implicit_gemm(const Gemm& g, std::ostringstream& out);
std::vector<SizeExpr> implicit_gemm_work(const Gemm& g);
int implicit_gemm_threads();

}  // namespace graphc::codegen::cuda::detail
