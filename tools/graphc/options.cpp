#include "tools/graphc/options.h"

#include <charconv>

#include "ir/error.h"

namespace graphc::cli {

namespace {
int64_t parse_int(const std::string& flag, const std::string& text, int64_t min) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min)
    throw Error(cat(flag, ": expected an integer >= ", min, ", got '", text, "'"));
  return v;
}
}  // namespace

std::string usage() {
  return R"(usage: graphc [options]

graphc compiles a neural-network model to a training program and shows every
stage of the compilation.

Choosing a graph:
  --model NAME            a model of the zoo (see --list-models)
  --ir FILE               a graph serialized with --emit-json
  --eval                  the eval-mode graph (dropout off, batch norm uses running stats)
  --freeze PREFIX         freeze parameters whose name starts with PREFIX (repeatable)
  --batch-size B          substitute B for the batch symbol N

Looking at it:
  --dump-ir[=STAGE]       print the IR; STAGE is forward (default) or after-<pass>:
                          after-autodiff, after-simplify, after-fusion (the kernels)
  --dump-memory-plan      the arena of the fused training step: each buffer's interval,
                          offset and size, arena size, naive sum and peak live bytes
                          (at --batch-size, default the model's recipe batch)
  --print-passes          log each pass (nodes before/after) on stderr
  --emit-json FILE        write the forward graph as JSON ("-": stdout)
  --dot FILE              write the graph of --dump-ir's stage as Graphviz ("-": stdout)
  --dump-kernels          print the loop-level kernel IR of the training and eval steps,
                          which both backends emit from (for --model, at --max-batch)
  --emit-llvm             print the CPU kernels of the training and eval steps as
                          optimised LLVM IR (for --model, at --max-batch)
  --emit-cuda             print the kernels of the training and eval steps as one CUDA C
                          translation unit (what NVRTC compiles; for --model)
  --check-grad            compare autodiff gradients with finite differences on the
                          reference interpreter (batch 2, double precision)
  --seed S                seed for --check-grad's parameters and batch (default 0)
  --check-grad-parameters K   check K parameters spread through the model (default: all)
  --check-grad-elements E     elements checked per parameter (default 20)

Building a trainer:
  -o PATH                 write a standalone training executable for --model
  --max-batch B           the largest batch it runs (default: the recipe's larger of
                          training and evaluation batch sizes)
  --runtime-lib-dir DIR   where the runtime libraries are (default: ../lib beside graphc)
  --target T[,T]          cpu (default): fused kernels compiled by LLVM, linked in;
                          cuda: the same kernels as CUDA C compiled by NVRTC, embedded
                          (cubin + PTX) and run with --device cuda; cpu,cuda: both,
                          the first being the trainer's default --device;
                          interpreter: the reference interpreter only (no codegen)
  --arch SM               the GPU architecture of the cuda target (default sm_90)
  --cpu NAME              the CPU to compile for, e.g. x86-64-v3 or skylake-avx512
                          (default: this machine's, with all its features)

Other:
  --list-models           the models of the zoo, one line each
  --version, --help
)";
}

namespace {

std::vector<std::string> split_targets(const std::string& text) {
  std::vector<std::string> targets;
  size_t from = 0;
  while (true) {
    const size_t comma = text.find(',', from);
    std::string t = text.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    if (t != "cpu" && t != "cuda" && t != "interpreter")
      throw Error(cat("--target: expected cpu, cuda, cpu,cuda or interpreter, got '", text, "'"));
    for (const std::string& seen : targets)
      if (seen == t) throw Error(cat("--target: '", t, "' is named twice in '", text, "'"));
    targets.push_back(t);
    if (comma == std::string::npos) return targets;
    from = comma + 1;
  }
}

}  // namespace

bool has_target(const Options& o, const std::string& target) {
  for (const std::string& t : o.targets)
    if (t == target) return true;
  return false;
}

Options parse_options(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw Error(cat(a, " needs a value"));
      return args[++i];
    };
    if (a == "--help" || a == "-h") o.help = true;
    else if (a == "--version") o.version = true;
    else if (a == "--list-models") o.list_models = true;
    else if (a == "--print-passes") o.print_passes = true;
    else if (a == "--eval") o.eval = true;
    else if (a == "--check-grad") o.check_grad = true;
    else if (a == "--dump-memory-plan") o.dump_memory_plan = true;
    else if (a == "--dump-kernels") o.dump_kernels = true;
    else if (a == "--emit-llvm") o.emit_llvm = true;
    else if (a == "--emit-cuda") o.emit_cuda = true;
    else if (a == "--target") o.targets = split_targets(value());
    else if (a == "--arch") o.arch = value();
    else if (a == "--cpu") o.cpu = value();
    else if (a == "--model") o.model = value();
    else if (a == "--ir") o.ir_file = value();
    else if (a == "--dump-ir") o.dump_ir = "";
    else if (a.rfind("--dump-ir=", 0) == 0) o.dump_ir = a.substr(10);
    else if (a == "--emit-json") o.emit_json = value();
    else if (a == "--dot") o.dot = value();
    else if (a == "--batch-size") o.batch_size = parse_int(a, value(), 1);
    else if (a == "--freeze") o.freeze.push_back(value());
    else if (a == "-o") o.output = value();
    else if (a == "--check-grad-parameters") o.check_grad_parameters = parse_int(a, value(), 1);
    else if (a == "--check-grad-elements") o.check_grad_elements = parse_int(a, value(), 1);
    else if (a == "--max-batch") o.max_batch = parse_int(a, value(), 1);
    else if (a == "--runtime-lib-dir") o.runtime_lib_dir = value();
    else if (a == "--seed") o.seed = static_cast<uint64_t>(parse_int(a, value(), 0));
    else throw Error(cat("unknown option '", a, "' (see --help)"));
  }
  if (!o.model.empty() && !o.ir_file.empty()) throw Error("give --model or --ir, not both");
  bool wants_graph = o.dump_ir || o.dump_memory_plan || !o.emit_json.empty() || !o.dot.empty() || o.check_grad;
  if (wants_graph && o.model.empty() && o.ir_file.empty()) throw Error("no graph: give --model NAME or --ir FILE");
  if (!o.freeze.empty() && o.model.empty()) throw Error("--freeze applies to --model only");
  if (!o.output.empty() && o.model.empty()) throw Error("-o needs --model NAME");
  if (o.dump_kernels && o.model.empty()) throw Error("--dump-kernels needs --model NAME");
  if (o.emit_llvm && o.model.empty()) throw Error("--emit-llvm needs --model NAME");
  if (o.emit_cuda && o.model.empty()) throw Error("--emit-cuda needs --model NAME");
  if (has_target(o, "interpreter") && o.targets.size() > 1)
    throw Error("--target interpreter cannot be combined with a compiled target");
  if (o.arch.rfind("sm_", 0) != 0) throw Error(cat("--arch: expected a GPU architecture like sm_90, got '", o.arch, "'"));
  if (o.dump_memory_plan && o.model.empty() && !o.batch_size)
    throw Error("--dump-memory-plan of an --ir graph needs --batch-size");
  return o;
}

}  // namespace graphc::cli
