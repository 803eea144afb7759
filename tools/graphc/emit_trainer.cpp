#include "tools/graphc/emit_trainer.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "runtime/embedded_blob.h"
#include "runtime/file_io.h"

namespace graphc::cli {

namespace fs = std::filesystem;

namespace {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

// Runs a shell command; throws with its output when it fails.
void run_command(const std::string& what, const std::string& command) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) throw Error(cat(what, ": cannot run ", command));
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  if (status != 0) throw Error(cat(what, " failed:\n  ", command, "\n", out));
}

// Bytes embedded in the trainer as `symbol` (NUL terminated, so text can be
// used in place) with their length as `symbol`_size.
struct Embedded {
  std::string symbol;
  std::string path;
  size_t size;
};

// An assembler file that embeds each file with .incbin.
std::string embedding_assembly(const std::vector<Embedded>& files) {
  std::string s = ".section .rodata\n";
  for (const Embedded& f : files)
    s += cat(".global ", f.symbol, "\n", ".type ", f.symbol, ", @object\n", ".balign 16\n", f.symbol, ":\n",
             ".incbin \"", f.path, "\"\n", ".byte 0\n", ".global ", f.symbol, "_size\n", ".type ", f.symbol,
             "_size, @object\n", ".balign 8\n", f.symbol, "_size:\n", ".quad ", f.size, "\n");
  return s + ".section .note.GNU-stack,\"\",@progbits\n";
}

}  // namespace

std::string default_library_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot locate the graphc executable to find its libraries; give --runtime-lib-dir");
  return (exe.parent_path().parent_path() / "lib").string();
}

void emit_trainer(const runtime::Program& program, const LinkOptions& options, const TrainerCode& code) {
  const std::array<const char*, 3> libs{"libgraphc_trainer_main.a", "libgraphc_runtime.a", "libgraphc_ir.a"};
  for (const char* lib : libs)
    if (!fs::exists(fs::path(options.library_dir) / lib))
      throw Error(cat("runtime library ", (fs::path(options.library_dir) / lib).string(),
                      " not found (build it, or give --runtime-lib-dir)"));

  std::string compiler = options.compiler;
  if (compiler.empty()) compiler = std::getenv("CXX") ? std::getenv("CXX") : "c++";

  fs::path work = fs::temp_directory_path() / cat("graphc-", ::getpid(), "-", program.model);
  fs::create_directories(work);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{work};

  std::vector<Embedded> embedded;
  auto embed = [&](const std::string& symbol, const std::string& file, const std::string& bytes) {
    const fs::path path = work / file;
    runtime::write_file_atomic(path.string(), bytes);
    embedded.push_back({symbol, path.string(), bytes.size()});
  };
  embed("graphc_program_json", "program.json", runtime::program_to_json_text(program));
  if (code.cuda != nullptr) {
    embed("graphc_cuda_cubin", "kernels.cubin", runtime::compress_blob(code.cuda->cubin));
    embed("graphc_cuda_ptx", "kernels.ptx", runtime::compress_blob(code.cuda->ptx));
  }
  fs::path asm_path = work / "program.S", obj_path = work / "program.o";
  runtime::write_file_atomic(asm_path.string(), embedding_assembly(embedded));
  run_command("assembling the program", cat(shell_quote(compiler), " -c ", shell_quote(asm_path.string()), " -o ",
                                            shell_quote(obj_path.string())));

  // Link to a temporary name and rename, so a failed link never leaves a broken executable.
  fs::path out = options.output;
  fs::path tmp_out = out.parent_path() / cat(".", out.filename().string(), ".tmp", ::getpid());
  std::string link = cat(shell_quote(compiler), " ", shell_quote(obj_path.string()));
  if (code.cpu != nullptr) {
    fs::path kernels_path = work / "kernels.o";
    codegen::cpu::write_object_file(*code.cpu, kernels_path.string());
    link += " " + shell_quote(kernels_path.string());
  }
  for (const char* lib : libs) link += " " + shell_quote((fs::path(options.library_dir) / lib).string());
  link += cat(" ", GRAPHC_TRAINER_LINK_FLAGS, " -o ", shell_quote(tmp_out.string()));
  try {
    run_command("linking the trainer", link);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp_out, ec);
    throw;
  }
  std::error_code ec;
  fs::rename(tmp_out, out, ec);
  if (ec) {
    fs::remove(tmp_out, ec);
    throw Error(cat("cannot write ", out.string(), ": ", ec.message()));
  }
}

}  // namespace graphc::cli
