// The message of the graphc::Error a call throws, so tests can compare error
// text exactly: EXPECT_EQ(error_text([&] { g.add(...); }), "...").
#pragma once

#include <string>

#include "ir/error.h"

namespace graphc::testing {

template <typename F>
std::string error_text(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace graphc::testing
