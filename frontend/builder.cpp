#include "frontend/builder.h"

namespace graphc {

const TensorType& Tensor::type() const {
  GRAPHC_ASSERT(b_, "use of an empty Tensor");
  return b_->graph().type(id_);
}

int64_t Tensor::dim(int64_t axis) const {
  int64_t r = static_cast<int64_t>(rank());
  int64_t a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) throw Error(cat("axis ", axis, " is out of range for ", type().str()));
  return shape()[a];
}

Tensor Builder::op(OpKind k, std::vector<Tensor> operands, AttrMap attrs) {
  std::vector<ValueId> ids;
  for (const Tensor& t : operands) {
    GRAPHC_ASSERT(t.valid() && &t.builder() == this, op_name(k), ": operand from another builder");
    ids.push_back(t.id());
  }
  return wrap(g_->add(k, std::move(ids), std::move(attrs)));
}

Tensor Builder::input(const std::string& name, DType dtype, Shape shape, InputRole role) {
  return wrap(g_->add_input(name, {dtype, std::move(shape)}, role));
}

Tensor Builder::parameter(const std::string& name, Shape shape, const InitSpec& init, bool trainable) {
  std::string full = scoped_name(name);
  if (auto existing = g_->find_parameter(full)) {
    if (!(g_->type(*existing).shape == shape))
      throw Error(cat("parameter '", full, "' exists with shape ", g_->type(*existing).shape.str(), ", asked again with ",
                      shape.str()));
    return wrap(*existing);
  }
  for (const auto& prefix : frozen_prefixes_)
    if (full.compare(0, prefix.size(), prefix) == 0) trainable = false;
  return wrap(g_->add_parameter(full, std::move(shape), init, trainable));
}

Tensor Builder::constant(double value, DType dtype) { return wrap(g_->add_constant(value, dtype)); }

Tensor Builder::batch_size() { return wrap(g_->add(OpKind::batch_size, {})); }

Tensor Builder::seed() {
  if (auto s = g_->find_input("seed")) return wrap(*s);
  return input("seed", DType::i64, {}, InputRole::seed);
}

void Builder::output(const std::string& name, Tensor t, OutputRole role) { g_->add_output(name, t.id(), role); }

Builder::Scope::Scope(Builder* b, const std::string& name) : b_(b), pushed_(!name.empty()) {
  if (pushed_) b_->scopes_.push_back(name);
}

Builder::Scope::~Scope() {
  if (pushed_) b_->scopes_.pop_back();
}

std::string Builder::scoped_name(const std::string& name) const {
  std::string s;
  for (const auto& part : scopes_) s += part + ".";
  return s + name;
}

}  // namespace graphc
