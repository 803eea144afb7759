// graphc's command line: what the user asked for, parsed and checked before
// anything runs, so a bad flag is reported without side effects.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace graphc::cli {

struct Options {
  bool help = false;
  bool version = false;
  bool list_models = false;
  bool print_passes = false;  // the pass log on stderr
  bool eval = false;          // build the eval-mode graph (dropout off, BN running stats)
  bool check_grad = false;
  bool dump_memory_plan = false;
  bool dump_kernels = false;  // print the kernel IR of the program's kernels
  bool emit_llvm = false;     // print the CPU backend's optimised LLVM module of the program
  bool emit_cuda = false;     // print the CUDA C of the program's kernels (no toolkit needed)
  std::string model;          // --model NAME
  std::string ir_file;        // --ir FILE (JSON)
  std::optional<std::string> dump_ir;  // --dump-ir[=STAGE]; "" means the forward graph
  std::string emit_json;      // --emit-json FILE ("-" for stdout)
  std::string dot;            // --dot FILE ("-" for stdout)
  std::optional<int64_t> batch_size;
  std::string output;          // -o PATH: write a training executable
  std::optional<int64_t> max_batch;
  std::string runtime_lib_dir;
  // --target T[,T]: cpu (LLVM kernels), cuda (NVRTC kernels), or both; or
  // interpreter alone (no compiled code). The first is the trainer's default device.
  std::vector<std::string> targets{"cpu"};
  std::string arch = "sm_90";  // --arch: the GPU architecture of the cuda target's cubin
  std::string cpu;             // --cpu NAME: the LLVM CPU to compile for (default: this machine's)
  std::vector<std::string> freeze;  // --freeze PREFIX, repeatable
  uint64_t seed = 0;
  int64_t check_grad_parameters = 0;  // 0: every trainable parameter
  int64_t check_grad_elements = 20;   // per parameter
};

bool has_target(const Options& o, const std::string& target);

// Throws graphc::Error naming the bad argument.
Options parse_options(const std::vector<std::string>& args);
std::string usage();

}  // namespace graphc::cli
