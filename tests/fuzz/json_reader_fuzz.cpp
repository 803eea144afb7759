// libFuzzer target for the JSON graph reader, the one place graphc parses
// files it did not write. Rejecting input with graphc::Error is the expected
// outcome; any other exception, an assert, a sanitizer report, a hang or
// excessive memory is a bug. Accepted graphs must also survive everything
// downstream of the reader: verify, print, DOT, with_batch, and a lossless
// JSON round trip.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "ir/dot.h"
#include "ir/json.h"
#include "ir/printer.h"
#include "ir/verifier.h"

namespace {

[[noreturn]] void bug(const char* what) {
  std::fprintf(stderr, "json_reader_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  graphc::Graph g;
  try {
    g = graphc::graph_from_json_text(text);
  } catch (const graphc::Error&) {
    return 0;
  }
  graphc::verify(g);
  std::string printed = graphc::print_graph(g);
  std::string json = graphc::graph_to_json_text(g);
  graphc::Graph back = graphc::graph_from_json_text(json);
  if (graphc::print_graph(back) != printed) bug("printed graph changed across a JSON round trip");
  if (graphc::graph_to_json_text(back) != json) bug("JSON text changed across a JSON round trip");
  (void)graphc::graph_to_dot(g);
  // Binding N keeps a graph valid (batch 1 keeps every size within bounds).
  graphc::verify(g.with_batch(1));
  return 0;
}
