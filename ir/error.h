// Errors a user can cause (bad model, bad file, bad flag) are graphc::Error:
// they carry a message naming what is wrong and are reported without a crash.
// Internal invariants use GRAPHC_ASSERT, which names file and line.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace graphc {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const std::string& msg);
}  // namespace detail

// Builds a message from streamable parts: cat("op ", name, " wants ", 2).
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}

}  // namespace graphc

#define GRAPHC_ASSERT(cond, ...)                                                            \
  do {                                                                                      \
    if (!(cond)) ::graphc::detail::assert_fail(#cond, __FILE__, __LINE__, ::graphc::cat(__VA_ARGS__)); \
  } while (0)
