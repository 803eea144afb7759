// The entry point of every train_<model> executable. graphc generates, per
// trainer, an object that defines the program (the compiled graphs and the
// recipe) as JSON text; this file reads it back and hands the command line to
// the runtime's trainer, which does everything else.
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "ir/error.h"
#include "runtime/cpu/kernel_abi.h"
#include "runtime/program.h"
#include "runtime/trainer/run_trainer.h"

extern "C" const char graphc_program_json[];
extern "C" const unsigned long graphc_program_json_size;
// The compiled CPU kernels graphc linked in; weak, so a trainer built with
// --target interpreter (no kernel object) links too and sees null.
extern "C" const graphc_kernel_entry graphc_kernel_table[] __attribute__((weak));
// The CUDA module (cubin and PTX) graphc embedded for --target cuda; weak
// like the kernel table, so a trainer without GPU code links too.
extern "C" const char graphc_cuda_cubin[] __attribute__((weak));
extern "C" const unsigned long graphc_cuda_cubin_size __attribute__((weak));
extern "C" const char graphc_cuda_ptx[] __attribute__((weak));
extern "C" const unsigned long graphc_cuda_ptx_size __attribute__((weak));

namespace {
std::string_view embedded(const char* bytes, const unsigned long* size) {
  if (bytes == nullptr || size == nullptr) return {};
  return std::string_view(bytes, *size);
}
}  // namespace

int main(int argc, char** argv) {
  graphc::runtime::Program program;
  try {
    program = graphc::runtime::program_from_json_text(std::string_view(graphc_program_json, graphc_program_json_size));
  } catch (const graphc::Error& e) {
    std::cerr << argv[0] << ": the embedded program is unreadable (" << e.what() << "); rebuild this trainer\n";
    return 1;
  }
  try {
    graphc::runtime::LinkedCode code;
    code.cpu_kernels = graphc_kernel_table;
    code.cuda_cubin = embedded(graphc_cuda_cubin, &graphc_cuda_cubin_size);
    code.cuda_ptx = embedded(graphc_cuda_ptx, &graphc_cuda_ptx_size);
    return graphc::runtime::run_trainer(program, std::vector<std::string>(argv + 1, argv + argc), code);
  } catch (const std::exception& e) {  // not a user error: a bug or the machine (out of memory)
    std::cerr << argv[0] << ": internal error: " << e.what() << "\n";
    return 1;
  }
}
