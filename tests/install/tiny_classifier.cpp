// A model that is not in graphc's zoo: a 2-layer classifier of 4 features.
#include "frontend/nn.h"

namespace {

void build(graphc::Builder& b) {
  using namespace graphc;
  Tensor x = b.input("x", DType::f32, {kBatch, 4});
  Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
  nn::Sequential net{nn::Linear(4, 8), nn::Tanh(), nn::Linear(8, 3)};
  nn::classifier_outputs(b, net(x), y);
}

graphc::Recipe recipe() {
  graphc::Recipe r;
  r.dataset = "csv";
  r.batch_size = 4;
  r.lr = 0.1;
  r.epochs = 5;
  return r;
}

}  // namespace

GRAPHC_REGISTER_MODEL(tiny_classifier, "4-8-3 classifier built outside graphc", recipe(), build);
