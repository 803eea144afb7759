// The builder DSL: a Builder records ops into a Graph through symbolic Tensor
// handles. Model files, nn:: layers and autodiff's gradient rules all write IR
// through it, so an op's construction helper exists exactly once.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc {

// Train mode: dropout active, batch norm normalises with batch statistics and
// emits running-stat updates. Eval mode: dropout off, batch norm uses the
// running statistics.
enum class Mode { train, eval };

class Builder;

// A symbolic tensor: a value of the graph being built.
class Tensor {
 public:
  Tensor() = default;
  Tensor(Builder* b, ValueId id) : b_(b), id_(id) {}

  Builder& builder() const { return *b_; }
  ValueId id() const { return id_; }
  bool valid() const { return b_ != nullptr; }
  const TensorType& type() const;
  const Shape& shape() const { return type().shape; }
  DType dtype() const { return type().dtype; }
  size_t rank() const { return shape().rank(); }
  int64_t dim(int64_t axis) const;  // negative counts from the end

 private:
  Builder* b_ = nullptr;
  ValueId id_ = -1;
};

class Builder {
 public:
  explicit Builder(Graph& g, Mode mode = Mode::train) : g_(&g), mode_(mode) {}

  Graph& graph() { return *g_; }
  const Graph& graph() const { return *g_; }
  Mode mode() const { return mode_; }
  bool training() const { return mode_ == Mode::train; }

  Tensor wrap(ValueId v) { return Tensor(this, v); }
  Tensor op(OpKind k, std::vector<Tensor> operands, AttrMap attrs = {});

  Tensor input(const std::string& name, DType dtype, Shape shape, InputRole role = InputRole::data);
  // A parameter named by the current scope ("fc1" + "weight" -> "fc1.weight").
  // Asking again for the same name returns the same parameter (weight sharing);
  // a different shape is an error.
  Tensor parameter(const std::string& name, Shape shape, const InitSpec& init, bool trainable = true);
  Tensor constant(double value, DType dtype = DType::f32);
  Tensor batch_size();  // N at run time, f32[]
  Tensor seed();        // the per-step RNG seed input, created on first use
  int next_rng_stream() { return rng_streams_++; }
  void output(const std::string& name, Tensor t, OutputRole role);

  // Parameters created inside a scope get its dotted prefix, as PyTorch's
  // state_dict names them: { auto s = b.scope("fc1"); ... } -> "fc1.weight".
  class Scope {
   public:
    Scope(Builder* b, const std::string& name);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Builder* b_;
    bool pushed_;
  };
  [[nodiscard]] Scope scope(const std::string& name) { return Scope(this, name); }
  std::string scoped_name(const std::string& name) const;

  // Parameters whose scoped name starts with one of these prefixes are created
  // frozen (no gradient, no gradient work): transfer learning.
  void freeze(const std::string& prefix) { frozen_prefixes_.push_back(prefix); }

 private:
  Graph* g_;
  Mode mode_;
  std::vector<std::string> scopes_;
  std::vector<std::string> frozen_prefixes_;
  int rng_streams_ = 0;
};

}  // namespace graphc
