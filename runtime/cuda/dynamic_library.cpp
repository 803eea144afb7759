#include "runtime/cuda/dynamic_library.h"

#include <dlfcn.h>
#include <link.h>

namespace graphc::runtime::cuda {

namespace {

// The path the loader resolved `handle` to; `fallback` when it cannot say.
std::string loaded_path(void* handle, const std::string& fallback) {
  link_map* map = nullptr;
  if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name != nullptr &&
      map->l_name[0] != '\0')
    return map->l_name;
  return fallback;
}

}  // namespace

std::optional<DynamicLibrary> DynamicLibrary::open_first(const std::vector<std::string>& candidates,
                                                         std::string& failures) {
  for (const std::string& candidate : candidates) {
    // RTLD_LOCAL: the libraries' symbols stay out of the trainer's namespace.
    // RTLD_NOW: a library with a missing dependency fails here, with the
    // loader's message, not at the first call.
    void* handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) return DynamicLibrary(handle, loaded_path(handle, candidate));
    const char* reason = ::dlerror();
    if (!failures.empty()) failures += "; ";
    if (reason != nullptr) {
      failures += reason;
    } else {
      failures += candidate;
      failures += ": the loader gave no reason";
    }
  }
  return std::nullopt;
}

void* DynamicLibrary::symbol(const char* name) const { return ::dlsym(handle_, name); }

}  // namespace graphc::runtime::cuda
