#include "codegen/cuda/nvrtc_compiler.h"

#include <dlfcn.h>
#include <nvrtc.h>
#include <sys/stat.h>

#include <cctype>

#include "ir/error.h"

namespace graphc::codegen::cuda {

namespace {

// "sm_" then digits, then at most one letter ("sm_90a", "sm_100f").
bool is_real_arch(const std::string& arch) {
  if (arch.rfind("sm_", 0) != 0) return false;
  size_t i = 3;
  while (i < arch.size() && std::isdigit(static_cast<unsigned char>(arch[i]))) ++i;
  if (i == 3) return false;
  if (i < arch.size() && std::islower(static_cast<unsigned char>(arch[i]))) ++i;
  return i == arch.size();
}

// The options that trade accuracy for speed; NVRTC spells each with one or
// two dashes, and with '-' or '_' inside.
bool enables_fast_math(const std::string& option) {
  size_t start = option.find_first_not_of('-');
  std::string bare = start == std::string::npos ? "" : option.substr(start);
  for (char& c : bare)
    if (c == '_') c = '-';
  return bare.rfind("use-fast-math", 0) == 0 || bare == "ftz=true" || bare == "prec-div=false" ||
         bare == "prec-sqrt=false";
}

std::string trimmed(std::string text) {
  size_t end = text.find_last_not_of(" \t\r\n\0", std::string::npos, 5);
  text.erase(end == std::string::npos ? 0 : end + 1);
  return text;
}

void check_nvrtc(nvrtcResult result, const char* call, const std::string& name) {
  if (result != NVRTC_SUCCESS) throw Error(cat(call, " failed for ", name, ": ", nvrtcGetErrorString(result)));
}

// Destroys the program however the compile ends.
struct ProgramOwner {
  nvrtcProgram program = nullptr;
  ~ProgramOwner() {
    if (program != nullptr) nvrtcDestroyProgram(&program);
  }
};

std::string program_log(nvrtcProgram program, const std::string& name) {
  size_t size = 0;
  check_nvrtc(nvrtcGetProgramLogSize(program, &size), "nvrtcGetProgramLogSize", name);
  std::string log(size, '\0');
  if (size > 0) check_nvrtc(nvrtcGetProgramLog(program, log.data()), "nvrtcGetProgramLog", name);
  return trimmed(std::move(log));
}

// "<label> <byte count>\n<value>\n": no value can be mistaken for a boundary.
void append_field(std::string& key, const char* label, const std::string& value) {
  key += cat(label, " ", value.size(), "\n");
  key += value;
  key += '\n';
}

}  // namespace

std::vector<std::string> nvrtc_command_line(const NvrtcOptions& options) {
  if (!is_real_arch(options.arch))
    throw Error(cat("NVRTC needs a real GPU architecture such as sm_90 to make a cubin, not '", options.arch, "'"));
  std::vector<std::string> line = {"--gpu-architecture=" + options.arch, "--std=c++17", "-default-device",
                                   "--fmad=true"};
  for (const std::string& dir : options.include_dirs) line.push_back("--include-path=" + dir);
  for (const std::string& option : options.extra) {
    if (enables_fast_math(option))
      throw Error(cat("NVRTC option ", option,
                      " enables fast math, which graphc does not use: results must match "
                      "the reference interpreter"));
    line.push_back(option);
  }
  return line;
}

std::string nvrtc_identity() {
  static const std::string identity = [] {
    int major = 0, minor = 0;
    check_nvrtc(nvrtcVersion(&major, &minor), "nvrtcVersion", "the version query");
    std::string text = cat(major, ".", minor);
    // dlsym, not &nvrtcCompileProgram: the address of a function taken in
    // the executable may be its PLT stub, which dladdr places in graphc.
    Dl_info info{};
    void* entry = ::dlsym(RTLD_DEFAULT, "nvrtcCompileProgram");
    struct stat file {};
    if (entry != nullptr && ::dladdr(entry, &info) != 0 && info.dli_fname != nullptr &&
        ::stat(info.dli_fname, &file) == 0)
      text += cat(" ", info.dli_fname, " ", file.st_size, " ", file.st_mtim.tv_sec, ".", file.st_mtim.tv_nsec);
    return text;
  }();
  return identity;
}

std::string cuda_toolkit_include_dir() { return GRAPHC_CUDA_INCLUDE_DIR; }

CudaBinary compile_with_nvrtc(const std::string& name, const std::string& source, const NvrtcOptions& options) {
  std::vector<std::string> command_line = nvrtc_command_line(options);
  std::vector<const char*> argv;
  for (const std::string& option : command_line) argv.push_back(option.c_str());

  ProgramOwner owner;
  check_nvrtc(nvrtcCreateProgram(&owner.program, source.c_str(), name.c_str(), 0, nullptr, nullptr),
              "nvrtcCreateProgram", name);
  nvrtcResult compiled = nvrtcCompileProgram(owner.program, static_cast<int>(argv.size()), argv.data());
  std::string log = program_log(owner.program, name);
  if (compiled != NVRTC_SUCCESS)
    throw Error(
        cat("NVRTC failed to compile ", name, " for ", options.arch, " (", nvrtcGetErrorString(compiled), "):\n", log));
  if (!log.empty())
    throw Error(cat("NVRTC warned while compiling ", name, " for ", options.arch,
                    ", and generated kernels must compile without warnings:\n", log));

  CudaBinary binary;
  size_t size = 0;
  check_nvrtc(nvrtcGetCUBINSize(owner.program, &size), "nvrtcGetCUBINSize", name);
  binary.cubin.resize(size);
  check_nvrtc(nvrtcGetCUBIN(owner.program, binary.cubin.data()), "nvrtcGetCUBIN", name);
  check_nvrtc(nvrtcGetPTXSize(owner.program, &size), "nvrtcGetPTXSize", name);
  binary.ptx.resize(size);
  check_nvrtc(nvrtcGetPTX(owner.program, binary.ptx.data()), "nvrtcGetPTX", name);
  while (!binary.ptx.empty() && binary.ptx.back() == '\0') binary.ptx.pop_back();
  GRAPHC_ASSERT(!binary.cubin.empty() && !binary.ptx.empty(), "NVRTC compiled ", name, " for ", options.arch,
                " but returned no cubin or no PTX");
  return binary;
}

std::string NvrtcCompiler::cache_key(const std::string& source, const NvrtcOptions& options) {
  std::string key;
  append_field(key, "nvrtc", nvrtc_identity());
  for (const std::string& option : nvrtc_command_line(options)) append_field(key, "option", option);
  append_field(key, "source", source);
  return key;
}

CudaBinary NvrtcCompiler::compile(const std::string& name, const std::string& source, const NvrtcOptions& options) {
  std::string key = cache_key(source, options);
  CudaBinary binary;
  switch (cache_.lookup(key, binary)) {
    case CacheLookup::kHit:
      ++stats_.cache_hits;
      return binary;
    case CacheLookup::kRejected:
      ++stats_.cache_rejected;
      break;
    case CacheLookup::kMiss:
      break;
  }
  binary = compile_with_nvrtc(name, source, options);
  ++stats_.compiled;
  if (!cache_.dir().empty() && !cache_.store(key, binary)) ++stats_.store_failures;
  return binary;
}

}  // namespace graphc::codegen::cuda
