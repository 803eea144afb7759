// Layers made of layers. Containers only decide the scope each child runs in,
// which is what gives parameters their PyTorch state_dict names
// ("3.conv1.weight" for a BasicBlock at index 3 of a Sequential).
#include "frontend/layer_errors.h"
#include "frontend/nn.h"

namespace graphc::nn {

Sequential::Sequential(std::initializer_list<Layer> layers) {
  for (const Layer& layer : layers) add(layer);
}

Sequential::Sequential(std::initializer_list<std::pair<std::string, Layer>> named_layers) {
  for (const auto& [name, layer] : named_layers) add(name, layer);
}

Sequential& Sequential::add(Layer layer) { return add(std::to_string(layers_.size()), std::move(layer)); }

Sequential& Sequential::add(std::string name, Layer layer) {
  if (!layer) throw Error(cat("Sequential: child '", name, "' is an empty layer"));
  if (name.empty()) throw Error(cat("Sequential: child ", layers_.size(), " needs a non-empty name"));
  for (const auto& existing : layers_)
    if (existing.first == name) throw Error(cat("Sequential: two children are named '", name, "'"));
  layers_.emplace_back(std::move(name), std::move(layer));
  return *this;
}

Tensor Sequential::operator()(Tensor x) const {
  for (const auto& [name, layer] : layers_) {
    auto scope = x.builder().scope(name);
    x = layer(x);
  }
  return x;
}

Layer named(std::string name, Layer layer) {
  if (!layer) throw Error(cat("named('", name, "'): empty layer"));
  return [name = std::move(name), layer = std::move(layer)](Tensor x) {
    auto scope = x.builder().scope(name);
    return layer(x);
  };
}

std::string BasicBlock::str() const { return cat("BasicBlock(", in_planes, ", ", planes, ", stride=", stride, ")"); }

Tensor BasicBlock::operator()(Tensor x) const {
  if (in_planes <= 0 || planes <= 0 || stride <= 0)
    throw detail::layer_error(x, str(), "in_planes, planes and stride must be positive");
  auto child = [](const std::string& name, const Layer& layer, Tensor t) {
    auto scope = t.builder().scope(name);
    return layer(t);
  };
  Conv2d conv1(in_planes, planes, 3, stride, /*padding=*/1, 1, 1, /*bias=*/false);
  Conv2d conv2(planes, planes, 3, 1, /*padding=*/1, 1, 1, /*bias=*/false);
  Tensor out = relu(child("bn1", BatchNorm2d(planes), child("conv1", conv1, x)));
  out = child("bn2", BatchNorm2d(planes), child("conv2", conv2, out));
  Tensor shortcut = x;
  if (stride != 1 || in_planes != planes) {
    Sequential projection{Conv2d(in_planes, planes, 1, stride, 0, 1, 1, /*bias=*/false), BatchNorm2d(planes)};
    shortcut = child("shortcut", projection, x);
  }
  return relu(out + shortcut);
}

}  // namespace graphc::nn
