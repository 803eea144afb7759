#include "runtime/cuda/failed_call.h"

#include <cstring>

#include "ir/error.h"

namespace graphc::runtime::cuda {

std::string failed_call_message(const char* call, const std::string& description, const char* file, int line) {
  const char* slash = std::strrchr(file, '/');
  const char* name = slash != nullptr ? slash + 1 : file;
  return cat(call, " failed: ", description, " (at ", name, ":", line, ")");
}

}  // namespace graphc::runtime::cuda
