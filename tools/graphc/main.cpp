// graphc, the compiler's command line: choose a graph (a model of the zoo or
// a JSON file), run the pipeline as far as asked, and show the result.
// User errors print one line on stderr and exit 1; nothing is left half-written.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>

#include "codegen/compile_cpu.h"
#include "codegen/cuda/cuda_emitter.h"
#include "frontend/model_registry.h"
#include "ir/dot.h"
#include "ir/json.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "runtime/compile_program.h"
#include "runtime/file_io.h"
#include "tools/graphc/emit_trainer.h"
#include "tools/graphc/options.h"
#include "tools/graphc/stages.h"

namespace graphc::cli {
namespace {

void write_output(const std::string& path, const std::string& text) {
  if (path == "-")
    std::cout << text;
  else
    runtime::write_file_atomic(path, text);
}

Graph load_graph(const Options& o) {
  if (!o.ir_file.empty()) {
    Graph g = graph_from_json_text(runtime::read_file(o.ir_file));
    verify(g);
    return g;
  }
  return build_model(o.model, o.eval ? Mode::eval : Mode::train, o.freeze);
}

runtime::Program model_program(const Options& o) {
  const ModelDef& def = get_model(o.model);
  int64_t max_batch = o.max_batch.value_or(std::max(def.recipe.batch_size, def.recipe.eval_batch_size));
  std::string log;
  runtime::Program program = runtime::compile_program(def.name, build_model(def, Mode::train, o.freeze),
                                                      build_model(def, Mode::eval, o.freeze), def.recipe, max_batch,
                                                      &log);
  if (o.print_passes) std::cerr << log;
  return program;
}

int build_trainer(const Options& o) {
  runtime::Program program = model_program(o);
  LinkOptions link;
  link.output = o.output;
  link.library_dir = o.runtime_lib_dir.empty() ? default_library_dir() : o.runtime_lib_dir;
  program.default_device = o.targets.front() == "interpreter" ? "cpu" : o.targets.front();
  if (has_target(o, "interpreter")) {
    emit_trainer(program, link, {});
    return 0;
  }
  const codegen::CompiledCpuProgram kernels = codegen::compile_cpu(program);
  std::optional<codegen::cpu::LlvmModule> cpu;
  std::optional<codegen::cuda::CudaBinary> cuda;
  if (has_target(o, "cpu")) cpu = compile_cpu_backend(program, kernels, cpu_target(o.cpu));
  if (has_target(o, "cuda")) cuda = compile_cuda_backend(program, kernels, o.arch);
  emit_trainer(program, link, {cpu ? &*cpu : nullptr, cuda ? &*cuda : nullptr});
  return 0;
}

int run(const Options& o) {
  if (o.help) {
    std::cout << usage();
    return 0;
  }
  if (o.version) {
    std::cout << "graphc " << GRAPHC_VERSION << "\n";
    return 0;
  }
  if (o.list_models) {
    for (const auto& m : registered_models()) std::printf("%-14s %s\n", m.name.c_str(), m.description.c_str());
    return 0;
  }
  if (o.model.empty() && o.ir_file.empty()) {
    std::cerr << usage();
    return 1;
  }

  if (!o.output.empty()) return build_trainer(o);
  if (o.dump_kernels) {
    runtime::Program program = model_program(o);
    for (const codegen::Kernel& k : codegen::compile_cpu(program).kernels) std::cout << codegen::print_kernel(k) << "\n";
    return 0;
  }
  if (o.emit_llvm) {
    runtime::Program program = model_program(o);
    std::cout << compile_cpu_backend(program, codegen::compile_cpu(program), cpu_target(o.cpu)).text();
    return 0;
  }
  if (o.emit_cuda) {
    runtime::Program program = model_program(o);
    std::cout << codegen::cuda::emit_cuda(codegen::compile_cpu(program).kernels);
    return 0;
  }

  Graph forward = load_graph(o);
  if (!o.emit_json.empty()) write_output(o.emit_json, graph_to_json_text(forward));
  if (o.check_grad) return run_check_grad(forward, o.seed, o.check_grad_parameters, o.check_grad_elements) ? 0 : 1;

  if (o.dump_memory_plan) {
    int64_t batch = o.batch_size ? *o.batch_size : get_model(o.model).recipe.batch_size;
    std::cout << dump_memory_plan(forward, batch);
  }
  if (o.dump_ir || !o.dot.empty()) {
    Graph g = graph_at_stage(forward, o.dump_ir.value_or(""), o.print_passes);
    if (o.batch_size) g = g.with_batch(*o.batch_size);
    if (o.dump_ir) std::cout << (is_fusion_stage(*o.dump_ir) ? dump_fusion(g) : print_graph(g));
    if (!o.dot.empty()) write_output(o.dot, graph_to_dot(g));
  }
  return 0;
}

}  // namespace
}  // namespace graphc::cli

int main(int argc, char** argv) {
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    return graphc::cli::run(graphc::cli::parse_options(args));
  } catch (const graphc::Error& e) {
    std::cerr << "graphc: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "graphc: unexpected error: " << e.what() << "\n";
    return 2;
  }
}
