// A deterministic complement to the byte-level fuzzer: every integer and
// float in every op example's attributes and types is replaced, one at a
// time, by values at and past the IR's limits. The reader must accept the
// result (and then round-trip it and keep it valid with N bound) or reject it
// with graphc::Error; run under UBSan this also proves that shape inference
// does no overflowing arithmetic on them.
#include <gtest/gtest.h>

#include <limits>
#include <optional>

#include "ir/json.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "tests/ir/op_examples.h"

namespace graphc {
namespace {

using nlohmann::json;

// Pointers to every number under each node's "attrs" and "type".
void collect_numbers(const json& j, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
  if (j.is_number()) out.push_back(at);
  if (j.is_array())
    for (size_t i = 0; i < j.size(); ++i) collect_numbers(j[i], at / i, out);
  if (j.is_object())
    for (const auto& item : j.items()) collect_numbers(item.value(), at / item.key(), out);
}

const json kHostileInts[] = {0,
                             -1,
                             -2,
                             std::numeric_limits<int64_t>::min(),
                             std::numeric_limits<int64_t>::max(),
                             std::numeric_limits<uint64_t>::max(),
                             int64_t{1} << 31,
                             (int64_t{1} << 31) + 1,
                             int64_t{1} << 40,
                             int64_t{1} << 62,
                             1e300};
const json kHostileFloats[] = {"nan", "inf", "-inf", -0.0, 1e308, -1e308, 5e-324};

// Accepted graphs must behave like any other valid graph.
void check_accepted(const Graph& g) {
  std::string text = graph_to_json_text(g);
  EXPECT_EQ(print_graph(graph_from_json_text(text)), print_graph(g));
  verify(g.with_batch(1));
}

TEST(HostileValues, EveryNumberOfEveryOpExample) {
  int accepted = 0, rejected = 0;
  for (const OpInfo& op : all_ops()) {
    SCOPED_TRACE(op.name);
    json doc = graph_to_json(testing::op_example_graph(op.kind));
    std::vector<json::json_pointer> slots;
    for (size_t i = 0; i < doc["nodes"].size(); ++i) {
      json::json_pointer node = json::json_pointer("/nodes") / i;
      collect_numbers(doc[node / "attrs"], node / "attrs", slots);
      collect_numbers(doc[node / "type"], node / "type", slots);
    }
    for (const auto& slot : slots) {
      SCOPED_TRACE(slot.to_string());
      for (const auto& values : {std::span<const json>(kHostileInts), std::span<const json>(kHostileFloats)})
        for (const json& v : values) {
          json mutated = doc;
          mutated[slot] = v;
          std::optional<Graph> g;
          try {
            g = graph_from_json(mutated);
          } catch (const Error&) {
            ++rejected;
            continue;
          }
          ++accepted;
          check_accepted(*g);
        }
    }
  }
  // Both outcomes occur (a few values are legal, e.g. 0 padding), so the
  // loop really reached shape inference.
  EXPECT_GT(accepted, 50);
  EXPECT_GT(rejected, 1000);
}

}  // namespace
}  // namespace graphc
