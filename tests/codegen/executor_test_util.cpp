// See executor_test_util.h.
#include "tests/codegen/executor_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "codegen/cpu/jit.h"
#include "frontend/model_registry.h"
#include "tests/codegen/codegen_test_util.h"
#include "runtime/compile_program.h"

namespace graphc::codegen::testing {

using runtime::Program;

JitKernelTable jit_kernel_table(const std::vector<Kernel>& kernels, const std::string& model) {
  const cpu::JitModule module = shared_jit().add(cpu::emit_module(kernels, model));
  JitKernelTable t;
  for (const Kernel& k : kernels) t.names.push_back(k.name);
  for (const std::string& name : t.names) t.table.push_back({name.c_str(), module.lookup(name)});
  t.table.push_back({nullptr, nullptr});
  return t;
}

Program zoo_program(const std::string& model, int64_t max_batch) {
  const ModelDef& def = get_model(model);
  return runtime::compile_program(model, build_model(def, Mode::train), build_model(def, Mode::eval), def.recipe,
                                  max_batch);
}

runtime::data::Batch random_batch(const Program& p, int64_t b, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> pixel(-1, 1);
  runtime::data::Batch batch;
  for (ValueId v : p.train.inputs()) {
    const Node& n = p.train.node(v);
    const InputRole role = *parse_input_role(n.s("role"));
    if (role == InputRole::data) {
      batch.input_shape = n.type.shape.with_batch(b);
      batch.inputs.resize(static_cast<size_t>(batch.input_shape.static_numel()));
      for (float& x : batch.inputs) x = pixel(rng);
    }
    if (role == InputRole::label && is_float(n.type.dtype)) {
      batch.targets.resize(static_cast<size_t>(n.type.shape.numel(b)));
      for (float& x : batch.targets) x = pixel(rng);
    }
  }
  std::uniform_int_distribution<int32_t> label(0, 9);
  batch.indices.resize(static_cast<size_t>(b));
  batch.labels.resize(static_cast<size_t>(b));
  for (int32_t& l : batch.labels) l = label(rng);
  return batch;
}

void expect_close(std::span<const float> got, std::span<const float> want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  float scale = 0;
  for (float w : want) scale = std::max(scale, std::fabs(w));
  int reported = 0;
  for (size_t i = 0; i < got.size() && reported < 5; ++i) {
    const bool ok = std::fabs(got[i] - want[i]) <= 1e-4f * scale + 1e-6f;
    if (!ok) {
      ++reported;
      ADD_FAILURE() << what << "[" << i << "]: compiled " << got[i] << ", interpreter " << want[i]
                    << " (tensor scale " << scale << ")";
    }
  }
}

}  // namespace graphc::codegen::testing
