// The codegen harness: host buffers in the kernel ABI's layout, filled from
// and compared against the interpreter's values.
#include "tests/codegen/codegen_test_util.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include "codegen/cpu/llvm_module.h"
#include "runtime/cpu/thread_pool.h"

namespace graphc::codegen::testing {

cpu::CpuJit& shared_jit() {
  static cpu::CpuJit jit;
  return jit;
}

const graphc_cpu_runtime* test_runtime() {
  // More threads than this machine may have cores: every split is exercised.
  static runtime::cpu::ThreadPool pool(3);
  return pool.runtime();
}

cpu::CpuTarget avx2_target() {
  cpu::CpuTarget t = cpu::CpuTarget::host();
  std::string features;
  size_t begin = 0;
  while (begin <= t.features.size()) {
    size_t end = t.features.find(',', begin);
    if (end == std::string::npos) end = t.features.size();
    std::string f = t.features.substr(begin, end - begin);
    if (f.rfind("+avx512", 0) == 0) f[0] = '-';
    if (!features.empty()) features += ",";
    features += f;
    begin = end + 1;
  }
  t.features = features;
  return t;
}

void expect_same_bits_on_avx2(const std::vector<Kernel>& kernels, const std::string& module_name) {
  cpu::JitModule host = shared_jit().add(cpu::emit_module(kernels, module_name + "_host"));
  cpu::JitModule avx2 = shared_jit().add(cpu::emit_module(kernels, module_name + "_avx2", avx2_target()));
  const int64_t n = 3;
  for (const Kernel& k : kernels) {
    SCOPED_TRACE(print_kernel(k));
    std::vector<std::vector<float>> host_buffers, avx2_buffers;
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<float> real(-2, 2);
    for (const Buffer& buffer : k.buffers) {
      ASSERT_EQ(buffer.dtype, DType::f32) << buffer.name;
      host_buffers.emplace_back(static_cast<size_t>(buffer.elements.at(n)));
      for (float& x : host_buffers.back()) x = real(rng);
    }
    avx2_buffers = host_buffers;
    std::vector<void*> host_pointers, avx2_pointers;
    for (size_t i = 0; i < k.buffers.size(); ++i) {
      host_pointers.push_back(host_buffers[i].data());
      avx2_pointers.push_back(avx2_buffers[i].data());
    }
    host.lookup(k.name)(host_pointers.data(), n, test_runtime());
    avx2.lookup(k.name)(avx2_pointers.data(), n, test_runtime());
    for (size_t i = 0; i < k.buffers.size(); ++i) {
      if (k.buffers[i].role != BufferRole::output) continue;
      EXPECT_EQ(std::memcmp(host_buffers[i].data(), avx2_buffers[i].data(), host_buffers[i].size() * sizeof(float)), 0)
          << k.buffers[i].name;
    }
  }
}

passes::FusedGroup make_group(const Graph& g, std::vector<ValueId> nodes, std::vector<ValueId> outputs,
                              passes::GroupKind kind) {
  passes::FusedGroup group;
  group.kind = kind;
  group.nodes = nodes;
  group.outputs = outputs.empty() ? nodes : std::move(outputs);
  for (ValueId v : nodes)
    for (ValueId u : g.node(v).operands)
      if (std::find(nodes.begin(), nodes.end(), u) == nodes.end() &&
          std::find(group.inputs.begin(), group.inputs.end(), u) == group.inputs.end())
        group.inputs.push_back(u);
  return group;
}

namespace {

// A buffer in the kernel's layout: raw bytes of the element type.
struct RawBuffer {
  DType dtype;
  std::vector<unsigned char> bytes;

  RawBuffer(DType t, int64_t elements) : dtype(t), bytes(static_cast<size_t>(elements) * dtype_size(t)) {}
  int64_t size() const { return static_cast<int64_t>(bytes.size() / dtype_size(dtype)); }

  template <typename T>
  T* as() { return reinterpret_cast<T*>(bytes.data()); }

  void set(int64_t i, double v) {
    switch (dtype) {
      case DType::f32: as<float>()[i] = static_cast<float>(v); return;
      case DType::f64: as<double>()[i] = v; return;
      case DType::i32: as<int32_t>()[i] = static_cast<int32_t>(v); return;
      case DType::i64: as<int64_t>()[i] = static_cast<int64_t>(v); return;
      case DType::u8:
      case DType::boolean: as<uint8_t>()[i] = static_cast<uint8_t>(v); return;
      case DType::f16:
      case DType::bf16: break;
    }
    FAIL() << "no host layout for " << dtype_name(dtype);
  }

  double get(int64_t i) {
    switch (dtype) {
      case DType::f32: return as<float>()[i];
      case DType::f64: return as<double>()[i];
      case DType::i32: return as<int32_t>()[i];
      case DType::i64: return static_cast<double>(as<int64_t>()[i]);
      case DType::u8:
      case DType::boolean: return as<uint8_t>()[i];
      case DType::f16:
      case DType::bf16: break;
    }
    ADD_FAILURE() << "no host layout for " << dtype_name(dtype);
    return 0;
  }
};

runtime::TensorMap random_feeds(const Graph& g, int64_t batch, InputRange range, std::mt19937_64& rng) {
  runtime::TensorMap feeds;
  for (const Node& n : g.nodes()) {
    if (n.op != OpKind::input && n.op != OpKind::parameter) continue;
    runtime::HostTensor t(n.type.dtype, n.type.shape.with_batch(batch));
    std::uniform_real_distribution<double> real(range.low, range.high);
    std::uniform_int_distribution<int> small(0, 9), bit(0, 1);
    for (double& v : t.data) {
      if (is_float(n.type.dtype))
        v = static_cast<float>(real(rng));  // both sides see the same f32 values
      else
        v = n.type.dtype == DType::boolean ? bit(rng) : small(rng);
    }
    feeds[n.s("name")] = std::move(t);
  }
  return feeds;
}

void expect_close(const runtime::HostTensor& want, RawBuffer& got, const std::string& what) {
  ASSERT_EQ(got.size(), want.numel()) << what;
  int reported = 0;
  for (int64_t i = 0; i < want.numel() && reported < 5; ++i) {
    const double w = want.data[static_cast<size_t>(i)], x = got.get(i);
    bool ok;
    if (is_float(want.dtype))
      ok = (std::isnan(w) && std::isnan(x)) || x == w || std::fabs(x - w) <= 1e-4 * std::max(1.0, std::fabs(w));
    else
      ok = x == w;
    if (!ok) {
      ++reported;
      ADD_FAILURE() << what << " element " << i << ": kernel " << x << ", interpreter " << w;
    }
  }
}

}  // namespace

void check_group_against_interpreter(const Graph& g, const passes::FusedGroup& group,
                                     const std::vector<int64_t>& batch_sizes, InputRange range, uint64_t seed) {
  const Kernel kernel = lower_group(g, group);
  cpu::JitModule module = shared_jit().add(cpu::emit_module({kernel}, kernel.name));
  const cpu::KernelFn fn = module.lookup(kernel.name);
  std::mt19937_64 rng(seed);
  for (int64_t batch : batch_sizes) {
    SCOPED_TRACE(cat("batch ", batch, "\n", print_kernel(kernel)));
    const std::vector<runtime::HostTensor> oracle = runtime::interpret_all(g, random_feeds(g, batch, range, rng));
    std::vector<RawBuffer> buffers;
    std::vector<void*> pointers;
    for (const Buffer& b : kernel.buffers) {
      buffers.emplace_back(b.dtype, b.elements.at(batch));
      RawBuffer& raw = buffers.back();
      if (b.role == BufferRole::input) {
        const runtime::HostTensor& value = oracle[static_cast<size_t>(b.value)];
        ASSERT_EQ(value.numel(), raw.size()) << b.name;
        for (int64_t i = 0; i < raw.size(); ++i) raw.set(i, value.data[static_cast<size_t>(i)]);
      } else {
        std::fill(raw.bytes.begin(), raw.bytes.end(), 0xff);  // a missed store shows as NaN / -1
      }
    }
    for (RawBuffer& raw : buffers) pointers.push_back(raw.bytes.data());
    fn(pointers.data(), batch, test_runtime());
    for (size_t i = 0; i < kernel.buffers.size(); ++i)
      if (kernel.buffers[i].role == BufferRole::output)
        expect_close(oracle[static_cast<size_t>(kernel.buffers[i].value)], buffers[i], kernel.buffers[i].name);
  }
}

void check_node(const Graph& g, ValueId v, InputRange range) {
  check_group_against_interpreter(g, make_group(g, {v}), {3, 7}, range);
}

GuardedBuffer::GuardedBuffer(size_t bytes, bool guard_after) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t data_pages = (bytes + page - 1) / page;
  size_ = (data_pages + 2) * page;
  void* region = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) throw std::runtime_error("GuardedBuffer: mmap failed");
  base_ = static_cast<unsigned char*>(region);
  if (mprotect(base_, page, PROT_NONE) != 0 || mprotect(base_ + (data_pages + 1) * page, page, PROT_NONE) != 0)
    throw std::runtime_error("GuardedBuffer: mprotect failed");
  data_ = guard_after ? base_ + (data_pages + 1) * page - bytes : base_ + page;
}

GuardedBuffer::~GuardedBuffer() { munmap(base_, size_); }

}  // namespace graphc::codegen::testing
