// Data-parallel collectives over PyTorch's c10d (see simvae_native.h, "Distributed"): rendezvous stores (TCPStore,
// FileStore), a process group holding Gloo (CPU tensors) and, in CUDA builds with NCCL headers, NCCL (CUDA tensors),
// and the collectives the trainer needs, each with the operation, its sequence number and the rank in its errors.
// The differentiable all-gather is an autograd function whose backward sums every rank's gradient of the gathered
// tensor and keeps this rank's slice (torch.distributed.nn.functional.all_gather; solo-learn's GatherLayer).
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include "guard.h"
#if defined(SVN_HAVE_GLOO)
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if defined(SVN_HAVE_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

using svn::as_tensor;

namespace {

using Store = c10::intrusive_ptr<c10d::Store>;
// libtorch 2.0 split ProcessGroup (the front end) from Backend (what Gloo and NCCL implement).
#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif
using Millis = std::chrono::milliseconds;

Store& as_store(svn_store s) {
  if (s == nullptr) throw std::invalid_argument("null store handle");
  return *static_cast<Store*>(s);
}

// One rank's membership: Gloo for CPU tensors, NCCL for CUDA tensors (each optional, chosen per call by device).
struct Group {
  int rank = 0;
  int world = 1;
  Millis timeout{0};
  c10::intrusive_ptr<Collectives> gloo;
  c10::intrusive_ptr<Collectives> nccl;
  std::atomic<int64_t> entered{0};  // collectives entered, read by the managed heartbeat to name a rank left behind
  std::atomic<int64_t> failed{0};   // collectives that ended in an error (also inside autograd's backward)

  Collectives& backend_for(const at::Tensor& t, const char* op) {
    auto& pg = t.is_cuda() ? nccl : gloo;
    if (!pg)
      throw std::runtime_error(std::string(op) + ": this process group has no " + (t.is_cuda() ? "NCCL" : "Gloo") +
                               " backend for " + (t.is_cuda() ? "CUDA" : "CPU") + " tensors" +
                               (t.is_cuda() ? " (libtorch built without NCCL, or backend \"gloo\" was chosen)" : ""));
    return *pg;
  }

  // Runs one collective: counts it, waits at most the timeout, and prefixes any error with what, which and who.
  template <typename F>
  void run(const char* op, F&& start) {
    int64_t seq = entered.fetch_add(1) + 1;
    try {
      c10::intrusive_ptr<c10d::Work> work = start();
      work->wait(timeout);
    } catch (const c10::Error& e) {
      throw std::runtime_error(describe(op, seq) + e.what_without_backtrace());
    } catch (const std::exception& e) {
      throw std::runtime_error(describe(op, seq) + e.what());
    }
  }

  std::string describe(const char* op, int64_t seq) {
    failed.fetch_add(1);
    return std::string("c10d ") + op + " (collective #" + std::to_string(seq) + ") failed on rank " + std::to_string(rank) +
           " of " + std::to_string(world) + ": ";
  }
};

Group& as_group(svn_process_group g) {
  if (g == nullptr) throw std::invalid_argument("null process group handle");
  return *static_cast<Group*>(g);
}

c10d::ReduceOp reduce_op(int32_t op) {
  switch (op) {
    case 0: return c10d::ReduceOp::SUM;
    case 1: return c10d::ReduceOp::PRODUCT;
    case 2: return c10d::ReduceOp::MIN;
    case 3: return c10d::ReduceOp::MAX;
    default: throw std::invalid_argument("reduce op must be 0 (sum), 1 (product), 2 (min) or 3 (max), got " + std::to_string(op));
  }
}

void all_reduce(Group& g, at::Tensor& t, c10d::ReduceOp op, const char* name) {
  std::vector<at::Tensor> tensors{t};
  auto& pg = g.backend_for(t, name);
  c10d::AllreduceOptions options;
  options.reduceOp = op;
  g.run(name, [&] { return pg.allreduce(tensors, options); });
}

// Gathers equally shaped tensors from every rank along dim 0 (rank order). Shapes are exchanged first so that a rank
// with a different batch gets an error naming both shapes instead of a hang or garbage.
at::Tensor all_gather(Group& g, const at::Tensor& input) {
  if (input.dim() == 0) throw std::invalid_argument("all_gather needs a tensor with at least one dimension");
  auto local = input.contiguous();
  auto& pg = g.backend_for(local, "all_gather");
  auto shape = at::tensor(local.sizes().vec(), at::TensorOptions(at::kLong)).to(local.device());
  std::vector<std::vector<at::Tensor>> shapes(1);
  for (int r = 0; r < g.world; r++) shapes[0].push_back(at::empty_like(shape));
  std::vector<at::Tensor> shape_in{shape};
  g.run("all_gather(shapes)", [&] { return pg.allgather(shapes, shape_in); });
  for (int r = 0; r < g.world; r++) {
    auto theirs = shapes[0][r].cpu();
    std::vector<int64_t> sizes(theirs.data_ptr<int64_t>(), theirs.data_ptr<int64_t>() + theirs.numel());
    if (sizes != local.sizes().vec())
      throw std::runtime_error(g.describe("all_gather", g.entered.load()) + "rank " + std::to_string(r) + " contributes shape " +
                               c10::str(c10::IntArrayRef(sizes)) + " but this rank " + c10::str(local.sizes()) +
                               "; every rank must gather the same shape");
  }
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < g.world; r++) outputs[0].push_back(at::empty_like(local));
  std::vector<at::Tensor> inputs{local};
  g.run("all_gather", [&] { return pg.allgather(outputs, inputs); });
  return at::cat(outputs[0], 0);
}

// Differentiable all-gather. Forward: [n, ...] -> [world·n, ...]. Backward: the gradient of every rank's loss with
// respect to this rank's rows is the sum over ranks of their gradients of the gathered tensor at those rows, so the
// incoming gradients are all-reduced (summed) and this rank's slice is returned.
struct AllGatherFunction : public torch::autograd::Function<AllGatherFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& input, int64_t group) {
    ctx->saved_data["group"] = group;
    ctx->saved_data["rows"] = input.size(0);
    at::AutoDispatchBelowADInplaceOrView guard;
    return all_gather(*reinterpret_cast<Group*>(group), input.detach());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    auto& g = *reinterpret_cast<Group*>(ctx->saved_data["group"].toInt());
    int64_t rows = ctx->saved_data["rows"].toInt();
    auto summed = grads[0].contiguous().clone();
    all_reduce(g, summed, c10d::ReduceOp::SUM, "all_gather backward (all_reduce)");
    return {summed.narrow(0, g.rank * rows, rows), at::Tensor()};
  }
};

}  // namespace

extern "C" {

int svn_store_tcp(const char* host, int32_t port, int32_t is_server, int64_t timeout_ms, svn_store* out) {
  SVN_GUARD({
    if (host == nullptr || out == nullptr) throw std::invalid_argument("null argument");
    if (port < 1 || port > 65535) throw std::invalid_argument("port must be within 1..65535, got " + std::to_string(port));
    if (timeout_ms < 1) throw std::invalid_argument("timeout must be positive");
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(port);
    options.isServer = is_server != 0;
    options.waitWorkers = false;  // the managed handshake waits for (and checks) every rank itself
    options.timeout = Millis(timeout_ms);
    *out = new Store(c10::make_intrusive<c10d::TCPStore>(std::string(host), options));
  })
}

int svn_store_file(const char* path, int32_t world_size, int64_t timeout_ms, svn_store* out) {
  SVN_GUARD({
    if (path == nullptr || out == nullptr) throw std::invalid_argument("null argument");
    if (world_size < 1) throw std::invalid_argument("world size must be at least 1");
    auto store = c10::make_intrusive<c10d::FileStore>(std::string(path), world_size);
    store->setTimeout(Millis(timeout_ms));
    *out = new Store(std::move(store));
  })
}

void svn_store_free(svn_store s) { delete static_cast<Store*>(s); }

int svn_store_set(svn_store s, const char* key, const uint8_t* value, int64_t length) {
  SVN_GUARD({
    if (key == nullptr || (value == nullptr && length > 0) || length < 0) throw std::invalid_argument("bad store value");
    as_store(s)->set(key, std::vector<uint8_t>(value, value + length));
  })
}

int svn_store_get(svn_store s, const char* key, uint8_t* buffer, int64_t capacity, int64_t* length) {
  SVN_GUARD({
    if (key == nullptr || length == nullptr) throw std::invalid_argument("null argument");
    auto value = as_store(s)->get(key);
    *length = static_cast<int64_t>(value.size());
    if (buffer != nullptr && capacity > 0) std::memcpy(buffer, value.data(), std::min<size_t>(value.size(), capacity));
  })
}

int svn_store_add(svn_store s, const char* key, int64_t delta, int64_t* value) {
  SVN_GUARD({
    if (key == nullptr || value == nullptr) throw std::invalid_argument("null argument");
    *value = as_store(s)->add(key, delta);
  })
}

int svn_store_check(svn_store s, const char* key, int32_t* exists) {
  SVN_GUARD({
    if (key == nullptr || exists == nullptr) throw std::invalid_argument("null argument");
    *exists = as_store(s)->check({std::string(key)}) ? 1 : 0;
  })
}

int32_t svn_distributed_backends(void) {
  int32_t backends = 0;
#if defined(SVN_HAVE_GLOO)
  backends |= 1;
#endif
#if defined(SVN_HAVE_NCCL)
  backends |= 2;
#endif
  return backends;
}

int svn_pg_create(svn_store store, int32_t rank, int32_t world_size, int32_t backends, const char* gloo_interface,
                  const char* gloo_host, int64_t timeout_ms, svn_process_group* out) {
  SVN_GUARD({
    if (out == nullptr) throw std::invalid_argument("null argument");
    if (world_size < 1 || rank < 0 || rank >= world_size)
      throw std::invalid_argument("rank " + std::to_string(rank) + " is not within 0.." + std::to_string(world_size - 1));
    if (timeout_ms < 1) throw std::invalid_argument("timeout must be positive");
    if ((backends & ~svn_distributed_backends()) != 0)
      throw std::runtime_error(std::string("this libtorch build has no ") + ((backends & 2) && !(svn_distributed_backends() & 2) ? "NCCL" : "Gloo") +
                               " support (available backends mask " + std::to_string(svn_distributed_backends()) + ")");
    if (backends == 0) throw std::invalid_argument("choose at least one backend");
    auto group = std::make_unique<Group>();
    group->rank = rank;
    group->world = world_size;
    group->timeout = Millis(timeout_ms);
    auto& base = as_store(store);
#if defined(SVN_HAVE_GLOO)
    if (backends & 1) {
      auto options = c10d::ProcessGroupGloo::Options::create(Millis(timeout_ms));
      if (gloo_interface != nullptr && *gloo_interface != 0)
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(gloo_interface));
      else if (gloo_host != nullptr && *gloo_host != 0)
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(gloo_host));
      else
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      options->threads = 2;
      group->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("gloo", base), rank,
                                                                world_size, options);
    }
#endif
#if defined(SVN_HAVE_NCCL)
    if (backends & 2) {
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = Millis(timeout_ms);
      group->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>("nccl", base), rank,
                                                                world_size, options);
    }
#endif
    *out = group.release();
  })
}

void svn_pg_free(svn_process_group g) { delete static_cast<Group*>(g); }

int64_t svn_pg_collectives(svn_process_group g) { return g == nullptr ? 0 : as_group(g).entered.load(); }

int64_t svn_pg_failures(svn_process_group g) { return g == nullptr ? 0 : as_group(g).failed.load(); }

int svn_pg_all_reduce(svn_process_group g, svn_tensor t, int32_t op) {
  SVN_GUARD({
    auto& tensor = as_tensor(t);
    if (!tensor.is_contiguous()) throw std::invalid_argument("all_reduce needs a contiguous tensor");
    all_reduce(as_group(g), tensor, reduce_op(op), "all_reduce");
  })
}

int svn_pg_all_reduce_buckets(svn_process_group g, const svn_tensor* tensors, int32_t count, int64_t bucket_bytes, double scale) {
  SVN_GUARD({
    auto& group = as_group(g);
    if (count < 0 || (tensors == nullptr && count > 0)) throw std::invalid_argument("bad tensor list");
    if (bucket_bytes < 1) throw std::invalid_argument("bucket size must be positive");
    // Buckets of consecutive tensors of one dtype and device, each up to bucket_bytes (a tensor larger than that is
    // a bucket of its own): one flat all-reduce per bucket; all are started before the first is waited for, so Gloo's
    // threads reduce one bucket while the next is being flattened.
    std::vector<std::vector<at::Tensor>> buckets;
    int64_t bytes = 0;
    for (int32_t k = 0; k < count; k++) {
      auto& t = as_tensor(tensors[k]);
      int64_t size = t.numel() * static_cast<int64_t>(t.element_size());
      bool fits = !buckets.empty() && bytes + size <= bucket_bytes && buckets.back()[0].scalar_type() == t.scalar_type() &&
                  buckets.back()[0].device() == t.device();
      if (!fits) {
        buckets.emplace_back();
        bytes = 0;
      }
      buckets.back().push_back(t);
      bytes += size;
    }
    std::vector<std::pair<at::Tensor, c10::intrusive_ptr<c10d::Work>>> started;
    std::vector<int64_t> sequence;
    for (auto& bucket : buckets) {
      std::vector<at::Tensor> flat_parts;
      for (auto& t : bucket) flat_parts.push_back(t.reshape({-1}));
      std::vector<at::Tensor> flat{at::cat(flat_parts)};
      auto& pg = group.backend_for(flat[0], "all_reduce(gradients)");
      int64_t seq = group.entered.fetch_add(1) + 1;
      try {
        started.emplace_back(flat[0], pg.allreduce(flat, c10d::AllreduceOptions()));
      } catch (const std::exception& e) {
        throw std::runtime_error(group.describe("all_reduce(gradients)", seq) + e.what());
      }
      sequence.push_back(seq);
    }
    for (size_t b = 0; b < buckets.size(); b++) {
      auto& [flat, work] = started[b];
      try {
        work->wait(group.timeout);
      } catch (const c10::Error& e) {
        throw std::runtime_error(group.describe("all_reduce(gradients)", sequence[b]) + e.what_without_backtrace());
      } catch (const std::exception& e) {
        throw std::runtime_error(group.describe("all_reduce(gradients)", sequence[b]) + e.what());
      }
      if (scale != 1.0) flat.mul_(scale);
      int64_t offset = 0;
      for (auto& t : buckets[b]) {
        t.copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
        offset += t.numel();
      }
    }
  })
}

int svn_pg_broadcast(svn_process_group g, svn_tensor t, int32_t root) {
  SVN_GUARD({
    auto& group = as_group(g);
    auto& tensor = as_tensor(t);
    if (!tensor.is_contiguous()) throw std::invalid_argument("broadcast needs a contiguous tensor");
    if (root < 0 || root >= group.world) throw std::invalid_argument("root rank " + std::to_string(root) + " is out of range");
    std::vector<at::Tensor> tensors{tensor};
    auto& pg = group.backend_for(tensor, "broadcast");
    c10d::BroadcastOptions options;
    options.rootRank = root;
    group.run("broadcast", [&] { return pg.broadcast(tensors, options); });
  })
}

int svn_pg_all_gather(svn_process_group g, svn_tensor t, int32_t differentiable, svn_tensor* out) {
  SVN_GUARD({
    auto& group = as_group(g);
    auto& input = as_tensor(t);
    at::Tensor result = differentiable != 0 && input.requires_grad() && at::GradMode::is_enabled()
                            ? AllGatherFunction::apply(input, reinterpret_cast<int64_t>(&group))
                            : all_gather(group, input.detach());
    *out = svn::new_handle(std::move(result));
  })
}

int svn_pg_barrier(svn_process_group g) {
  SVN_GUARD({
    // A barrier is an all-reduce of one element: the same code path, timeout and error text on both backends.
    auto& group = as_group(g);
    auto token = at::zeros({1}, at::TensorOptions(group.gloo ? at::kCPU : at::kCUDA));
    all_reduce(group, token, c10d::ReduceOp::SUM, "barrier");
  })
}

}  // extern "C"
