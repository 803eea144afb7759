// Reading and writing whole files. Writes are atomic: the bytes go to a
// temporary file beside the target, which is flushed and renamed over it, so
// a crash or a full disk never leaves a half-written checkpoint, metrics file
// or IR dump behind.
#pragma once

#include <string>
#include <string_view>

namespace graphc::runtime {

// Throws graphc::Error naming the path and the system's reason.
std::string read_file(const std::string& path);
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace graphc::runtime
