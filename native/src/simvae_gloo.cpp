// libsimvae_gloo: the C ABI SimVae.Distributed (C#) calls for data-parallel training, over Gloo's collectives on
// raw CPU memory (no libtorch). The ranks meet through a key-value store that lives in C#: Gloo's rendezvous calls it
// back through two function pointers. Every function returns 0 on success, else -1 with the reason in
// sg_last_error() (thread-local, valid until the next failing call on that thread).
#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/common/error.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/transport/tcp/device.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#define SG_API extern "C" __attribute__((visibility("default")))

namespace {

thread_local std::string last_error;

using Millis = std::chrono::milliseconds;

// Store callbacks (C#): 0 on success, else non-zero with a message written into err (capacity cap, NUL-terminated).
using StoreSet = int32_t (*)(void* owner, const char* key, const uint8_t* data, int64_t length, char* err, int32_t cap);
using StoreGet = int32_t (*)(void* owner, const char* key, void* sink, char* err, int32_t cap);

// Gloo's rendezvous store over the C# callbacks; get waits for the key (up to the C# store's timeout).
class CallbackStore : public gloo::rendezvous::Store {
 public:
  CallbackStore(void* owner, StoreSet set, StoreGet get) : owner_(owner), set_(set), get_(get) {}

  void set(const std::string& key, const std::vector<char>& data) override {
    char err[512] = {0};
    if (set_(owner_, key.c_str(), reinterpret_cast<const uint8_t*>(data.data()), static_cast<int64_t>(data.size()), err, sizeof err) != 0)
      throw gloo::IoException(std::string("rendezvous store set '") + key + "': " + err);
  }

  std::vector<char> get(const std::string& key) override {
    std::vector<char> value;
    char err[512] = {0};
    if (get_(owner_, key.c_str(), &value, err, sizeof err) != 0)
      throw gloo::IoException(std::string("rendezvous store get '") + key + "': " + err);
    return value;
  }

  void wait(const std::vector<std::string>& keys) override {
    for (const auto& key : keys) get(key);
  }

  void wait(const std::vector<std::string>& keys, const Millis&) override { wait(keys); }

 private:
  void* owner_;
  StoreSet set_;
  StoreGet get_;
};

struct Group {
  std::shared_ptr<gloo::transport::Device> device;
  std::shared_ptr<gloo::rendezvous::Context> context;
  Millis timeout{0};
};

Group& as_group(void* g) {
  if (g == nullptr) throw std::invalid_argument("null process group handle");
  return *static_cast<Group*>(g);
}

template <typename F>
int32_t guard(F&& body) {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "unknown C++ exception";
  }
  return -1;
}

// bfloat16: the upper half of a float32; combined in float32 and rounded to nearest even (NaN stays NaN).
float bf16_to_float(uint16_t v) {
  uint32_t bits = static_cast<uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t float_to_bf16(float f) {
  if (std::isnan(f)) return 0x7fc0;
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

enum Op : int32_t { kSum = 0, kProduct = 1, kMin = 2, kMax = 3 };
enum DType : int32_t { kFloat32 = 0, kFloat64 = 1, kBFloat16 = 2 };

float combine(int32_t op, float a, float b) {
  switch (op) {
    case kSum: return a + b;
    case kProduct: return a * b;
    case kMin: return std::fmin(a, b);
    default: return std::fmax(a, b);
  }
}

template <int32_t OP>
void bf16_reduce(void* c, const void* a, const void* b, size_t n) {
  auto* out = static_cast<uint16_t*>(c);
  auto* x = static_cast<const uint16_t*>(a);
  auto* y = static_cast<const uint16_t*>(b);
  for (size_t i = 0; i < n; i++) out[i] = float_to_bf16(combine(OP, bf16_to_float(x[i]), bf16_to_float(y[i])));
}

template <typename T>
gloo::AllreduceOptions::Func typed_reduce(int32_t op) {
  switch (op) {
    case kSum: return static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<T>);
    case kProduct: return static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::product<T>);
    case kMin: return static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::min<T>);
    case kMax: return static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::max<T>);
  }
  throw std::invalid_argument("reduce op must be 0 (sum), 1 (product), 2 (min) or 3 (max), got " + std::to_string(op));
}

gloo::AllreduceOptions::Func bf16_reduce_for(int32_t op) {
  switch (op) {
    case kSum: return &bf16_reduce<kSum>;
    case kProduct: return &bf16_reduce<kProduct>;
    case kMin: return &bf16_reduce<kMin>;
    case kMax: return &bf16_reduce<kMax>;
  }
  throw std::invalid_argument("reduce op must be 0 (sum), 1 (product), 2 (min) or 3 (max), got " + std::to_string(op));
}

template <typename T>
void all_reduce_typed(Group& g, void* data, size_t count, gloo::AllreduceOptions::Func fn, uint32_t tag) {
  gloo::AllreduceOptions options(g.context);
  options.setOutput(static_cast<T*>(data), count);
  options.setReduceFunction(fn);
  options.setTag(tag);
  options.setTimeout(g.timeout);
  gloo::allreduce(options);
}

}  // namespace

SG_API const char* sg_last_error(void) { return last_error.c_str(); }

SG_API void sg_sink_assign(void* sink, const uint8_t* data, int64_t length) {
  auto* value = static_cast<std::vector<char>*>(sink);
  value->assign(reinterpret_cast<const char*>(data), reinterpret_cast<const char*>(data) + length);
}

// Joins the run: a TCP device bound to iface (a network interface name) or else host (an address of this machine),
// then a full mesh of connections to every other rank, whose addresses are exchanged through the store.
SG_API int32_t sg_group_create(int32_t rank, int32_t size, const char* iface, const char* host, int64_t timeout_ms, void* owner,
                               StoreSet set, StoreGet get, void** out) {
  return guard([&] {
    if (out == nullptr || set == nullptr || get == nullptr) throw std::invalid_argument("null argument");
    if (size < 1 || rank < 0 || rank >= size)
      throw std::invalid_argument("rank " + std::to_string(rank) + " is not within 0.." + std::to_string(size - 1));
    if (timeout_ms < 1) throw std::invalid_argument("timeout must be positive");
    gloo::transport::tcp::attr attr;
    if (iface != nullptr && *iface != 0) attr.iface = iface;
    else if (host != nullptr && *host != 0) attr.hostname = host;
    else throw std::invalid_argument("give a network interface or an address of this machine");
    auto group = std::make_unique<Group>();
    group->timeout = Millis(timeout_ms);
    group->device = gloo::transport::tcp::CreateDevice(attr);
    group->context = std::make_shared<gloo::rendezvous::Context>(rank, size);
    group->context->setTimeout(group->timeout);
    CallbackStore store(owner, set, get);
    group->context->connectFullMesh(store, group->device);
    *out = group.release();
  });
}

SG_API void sg_group_free(void* g) { delete static_cast<Group*>(g); }

// In place: data holds count elements of dtype (0 float32, 1 float64, 2 bfloat16), reduced with op over every rank.
SG_API int32_t sg_all_reduce(void* g, void* data, int64_t count, int32_t dtype, int32_t op, uint32_t tag) {
  return guard([&] {
    auto& group = as_group(g);
    if (count < 0 || (data == nullptr && count > 0)) throw std::invalid_argument("bad buffer");
    if (count == 0) return;
    switch (dtype) {
      case kFloat32: all_reduce_typed<float>(group, data, count, typed_reduce<float>(op), tag); break;
      case kFloat64: all_reduce_typed<double>(group, data, count, typed_reduce<double>(op), tag); break;
      case kBFloat16: all_reduce_typed<uint16_t>(group, data, count, bf16_reduce_for(op), tag); break;
      default: throw std::invalid_argument("dtype must be 0 (float32), 1 (float64) or 2 (bfloat16), got " + std::to_string(dtype));
    }
  });
}

// In place: rank root's bytes are copied to every rank.
SG_API int32_t sg_broadcast(void* g, void* data, int64_t bytes, int32_t root, uint32_t tag) {
  return guard([&] {
    auto& group = as_group(g);
    if (bytes < 0 || (data == nullptr && bytes > 0)) throw std::invalid_argument("bad buffer");
    if (root < 0 || root >= group.context->size) throw std::invalid_argument("root rank " + std::to_string(root) + " is out of range");
    if (bytes == 0) return;
    gloo::BroadcastOptions options(group.context);
    options.setOutput(static_cast<uint8_t*>(data), bytes);
    options.setRoot(root);
    options.setTag(tag);
    options.setTimeout(group.timeout);
    gloo::broadcast(options);
  });
}

// output (size × bytes) receives every rank's input (bytes each) in rank order.
SG_API int32_t sg_all_gather(void* g, const void* input, void* output, int64_t bytes, uint32_t tag) {
  return guard([&] {
    auto& group = as_group(g);
    if (bytes < 1 || input == nullptr || output == nullptr) throw std::invalid_argument("bad buffer");
    gloo::AllgatherOptions options(group.context);
    options.setInput(const_cast<uint8_t*>(static_cast<const uint8_t*>(input)), bytes);
    options.setOutput(static_cast<uint8_t*>(output), bytes * group.context->size);
    options.setTag(tag);
    options.setTimeout(group.timeout);
    gloo::allgather(options);
  });
}

SG_API int32_t sg_barrier(void* g, uint32_t tag) {
  return guard([&] {
    auto& group = as_group(g);
    gloo::BarrierOptions options(group.context);
    options.setTag(tag);
    options.setTimeout(group.timeout);
    gloo::barrier(options);
  });
}
