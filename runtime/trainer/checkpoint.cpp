// Metadata values are strings (safetensors allows nothing else); doubles are
// written with 17 significant digits, which read back to the same double, so
// a resumed run's sums are bit-identical to an uninterrupted run's.
#include "runtime/trainer/checkpoint.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "ir/error.h"
#include "runtime/checkpoint/safetensors.h"

namespace graphc::runtime {

namespace {

constexpr const char* kFormat = "graphc-checkpoint";
constexpr const char* kVersion = "1";

std::string exact(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::vector<int64_t> dims(const Shape& s) { return s.dims(); }

std::string optim_name(const std::string& state, const std::string& param) { return "optim." + state + "." + param; }

class Metadata {
 public:
  explicit Metadata(const SafeTensors& file) : file_(file) {}

  const std::string& text(const std::string& key) const {
    auto it = file_.metadata.find(key);
    if (it == file_.metadata.end()) throw Error(cat(file_.source, ": checkpoint metadata lacks '", key, "'"));
    return it->second;
  }
  int64_t integer(const std::string& key) const {
    const std::string& s = text(key);
    int64_t v = 0;
    auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || err != std::errc() || end != s.data() + s.size()) bad(key, s, "an integer");
    return v;
  }
  uint64_t unsigned_integer(const std::string& key) const {
    const std::string& s = text(key);
    uint64_t v = 0;
    auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || err != std::errc() || end != s.data() + s.size()) bad(key, s, "an unsigned integer");
    return v;
  }
  double number(const std::string& key) const {
    const std::string& s = text(key);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) bad(key, s, "a number");
    return v;
  }

 private:
  [[noreturn]] void bad(const std::string& key, const std::string& value, const char* wanted) const {
    throw Error(cat(file_.source, ": checkpoint metadata '", key, "' = '", value, "' is not ", wanted));
  }
  const SafeTensors& file_;
};

void check_program(const Metadata& meta, const SafeTensors& file, const ProgramIdentity& program) {
  if (meta.text("format") != kFormat || meta.text("version") != kVersion)
    throw Error(cat(file.source, ": not a graphc checkpoint of version ", kVersion));
  const std::string& model = meta.text("model");
  const std::string& fingerprint = meta.text("fingerprint");
  const std::string& ours = program.fingerprint;
  if (fingerprint == ours) return;
  std::string why = "a different model";
  if (model == program.model) why = "the same model with another graph or recipe";
  throw Error(cat(file.source, ": checkpoint of model '", model, "' (program fingerprint ", fingerprint,
                  ") cannot resume model '", program.model, "' (program fingerprint ", ours, "): ", why,
                  "; --init-from loads the weights that match by name and shape"));
}

}  // namespace

uint64_t order_hash(std::span<const uint32_t> order) {
  uint64_t h = 1469598103934665603ull;
  for (uint32_t v : order)
    for (int byte = 0; byte < 4; ++byte) {
      h ^= (v >> (8 * byte)) & 0xffu;
      h *= 1099511628211ull;
    }
  return h;
}

void save_checkpoint(const std::string& path, const ProgramIdentity& program, const ParameterStore& store,
                     const Optimizer& optimizer, uint64_t seed, const RunPosition& pos) {
  SafeTensors file;
  for (const ParameterSlot& slot : store.slots())
    file.tensors.push_back(make_tensor<float>(slot.name, dims(slot.shape), store.value(slot)));
  for (const std::string& state : optimizer.state_names()) {
    std::span<const float> buffer = optimizer.state(state);
    for (const ParameterSlot& slot : store.slots())
      if (slot.use == ParameterUse::updated)
        file.tensors.push_back(
            make_tensor<float>(optim_name(state, slot.name), dims(slot.shape), buffer.subspan(slot.offset, slot.numel)));
  }
  file.metadata = {
      {"format", kFormat},
      {"version", kVersion},
      {"model", program.model},
      {"fingerprint", program.fingerprint},
      {"optimizer", std::string(optimizer_kind_name(optimizer.config().kind))},
      {"optimizer_steps", cat(optimizer.step_count())},
      {"seed", cat(seed)},
      {"epoch", cat(pos.epoch)},
      {"epoch_step", cat(pos.epoch_step)},
      {"step", cat(pos.step)},
      {"data_cursor", cat(pos.data_cursor)},
      {"data_order", cat(pos.data_order)},
      {"train_samples", cat(pos.train_samples)},
      {"epoch_loss_sum", exact(pos.epoch_loss_sum)},
      {"epoch_correct", exact(pos.epoch_correct)},
      {"epoch_samples", cat(pos.epoch_samples)},
  };
  save_safetensors(path, file);
}

LoadedCheckpoint read_checkpoint(const std::string& path, const ProgramIdentity& program) {
  LoadedCheckpoint c;
  c.file = load_safetensors(path);
  const Metadata meta(c.file);
  check_program(meta, c.file, program);
  c.optimizer = meta.text("optimizer");
  c.optimizer_steps = meta.integer("optimizer_steps");
  c.seed = meta.unsigned_integer("seed");
  RunPosition& p = c.position;
  p.epoch = meta.integer("epoch");
  p.epoch_step = meta.integer("epoch_step");
  p.step = meta.integer("step");
  p.data_cursor = meta.unsigned_integer("data_cursor");
  p.data_order = meta.unsigned_integer("data_order");
  p.train_samples = meta.integer("train_samples");
  p.epoch_loss_sum = meta.number("epoch_loss_sum");
  p.epoch_correct = meta.number("epoch_correct");
  p.epoch_samples = meta.integer("epoch_samples");
  if (p.epoch < 0 || p.epoch_step < 0 || p.step < p.epoch_step || p.train_samples < 0 || p.epoch_samples < 0 ||
      c.optimizer_steps < 0)
    throw Error(cat(path, ": checkpoint metadata holds an impossible position (epoch ", p.epoch, ", step ", p.step,
                    ", epoch_step ", p.epoch_step, ")"));
  return c;
}

void restore_checkpoint(const LoadedCheckpoint& c, ParameterStore& store, Optimizer& optimizer) {
  const SafeTensors& file = c.file;
  const std::string_view ours = optimizer_kind_name(optimizer.config().kind);
  if (c.optimizer != ours)
    throw Error(cat(file.source, ": checkpoint was saved with optimizer ", c.optimizer, ", this run uses ", ours,
                    " (pass --optimizer ", c.optimizer, ")"));
  for (const ParameterSlot& slot : store.slots()) {
    const std::vector<float> v = tensor_values<float>(file, slot.name, dims(slot.shape));
    std::copy(v.begin(), v.end(), store.value(slot).begin());
  }
  for (const std::string& state : optimizer.state_names()) {
    std::span<float> buffer = optimizer.state(state);
    for (const ParameterSlot& slot : store.slots()) {
      if (slot.use != ParameterUse::updated) continue;
      const std::string name = optim_name(state, slot.name);
      if (file.find(name) == nullptr)
        throw Error(cat(file.source, ": checkpoint has no optimizer state '", name, "' (was '", slot.name,
                        "' frozen with --freeze when it was saved?)"));
      const std::vector<float> v = tensor_values<float>(file, name, dims(slot.shape));
      std::copy(v.begin(), v.end(), buffer.begin() + static_cast<ptrdiff_t>(slot.offset));
    }
  }
  optimizer.set_step_count(c.optimizer_steps);
}

std::string InitFromReport::str() const {
  std::string s = cat("loaded ", loaded.size(), " of ", loaded.size() + kept.size(), " parameters from ", source);
  auto list = [&](const char* what, const std::vector<std::string>& names) {
    if (names.empty()) return;
    s += cat("; ", what, ": ");
    for (size_t i = 0; i < names.size(); ++i) {
      if (i > 0) s += ", ";
      s += names[i];
    }
  };
  list("kept initial values", kept);
  list("unused tensors", ignored);
  return s;
}

InitFromReport init_from_weights(const std::string& path, ParameterStore& store) {
  const SafeTensors file = load_safetensors(path);
  InitFromReport report;
  report.source = path;
  for (const ParameterSlot& slot : store.slots()) {
    const NamedTensor* t = file.find(slot.name);
    if (t == nullptr || t->dtype != DType::f32 || t->shape != dims(slot.shape)) {
      report.kept.push_back(slot.name);
      continue;
    }
    const std::vector<float> v = tensor_values<float>(file, slot.name, dims(slot.shape));
    std::copy(v.begin(), v.end(), store.value(slot).begin());
    report.loaded.push_back(slot.name);
  }
  for (const NamedTensor& t : file.tensors)
    if (!t.name.starts_with("optim.") && store.find(t.name) == nullptr) report.ignored.push_back(t.name);
  // A tensor whose name matched but whose shape did not is neither loaded nor silently dropped.
  for (const std::string& name : report.kept)
    if (const NamedTensor* t = file.find(name)) {
      report.ignored.push_back(cat(name, " ", dims_str(t->shape)));
    }
  return report;
}

}  // namespace graphc::runtime
