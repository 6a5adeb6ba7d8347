// GPU-related entry points (see simvae_native.h): autocast (mixed precision) state, backend flags, build
// information, and the multi-tensor ("foreach") Adam step used for CUDA parameters.
// Everything here compiles and runs against a CPU-only libtorch too: autocast for the CPU is real (bfloat16),
// autocast for CUDA only flips the thread-local state (it acts on CUDA tensors, of which there are none), the
// backend flags are plain settings, and the foreach Adam step runs on CPU tensors (per-tensor fallback).
#include <ATen/Context.h>
#include <ATen/Version.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/grad_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>
#include <atomic>
#include <cmath>
#include <cstring>
#include "guard.h"
#if defined(SVN_CUDA_SYNC_DEBUG)
#include <c10/cuda/CUDAFunctions.h>
#endif

using svn::as_tensor;

// libtorch 2.4 replaced the CUDA-specific autocast functions (set_enabled, set_autocast_gpu_dtype, ...) by
// device-generic ones taking a DeviceType; the old ones became deprecated wrappers.
#if !defined(SVN_AUTOCAST_DEVICE_API)
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define SVN_AUTOCAST_DEVICE_API 1
#else
#define SVN_AUTOCAST_DEVICE_API 0
#endif
#endif

namespace {

at::DeviceType ac_device(int32_t device_type) {
  if (device_type == 0) return at::kCPU;
  if (device_type == 1) return at::kCUDA;
  throw std::invalid_argument("autocast device type must be 0 (CPU) or 1 (CUDA), got " + std::to_string(device_type));
}

bool ac_enabled(at::DeviceType device) {
#if SVN_AUTOCAST_DEVICE_API
  return at::autocast::is_autocast_enabled(device);
#else
  return device == at::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

void ac_set_enabled(at::DeviceType device, bool enabled) {
#if SVN_AUTOCAST_DEVICE_API
  at::autocast::set_autocast_enabled(device, enabled);
#else
  if (device == at::kCUDA) at::autocast::set_enabled(enabled);
  else at::autocast::set_cpu_enabled(enabled);
#endif
}

at::ScalarType ac_dtype(at::DeviceType device) {
#if SVN_AUTOCAST_DEVICE_API
  return at::autocast::get_autocast_dtype(device);
#else
  return device == at::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void ac_set_dtype(at::DeviceType device, at::ScalarType dtype) {
#if SVN_AUTOCAST_DEVICE_API
  at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == at::kCUDA) at::autocast::set_autocast_gpu_dtype(dtype);
  else at::autocast::set_autocast_cpu_dtype(dtype);
#endif
}

// -1: never use the multi-tensor Adam, 0: only when every tensor is on CUDA (default), 1: always (tests).
std::atomic<int32_t> multi_tensor_mode{0};

}  // namespace

namespace svn {

// Called by svn_adam_step (optim.cpp) first; returns false when the per-parameter path should run instead.
// The same arithmetic as that path (torch.optim.Adam / AdamW of PyTorch 1.13 with foreach=True), in ~9
// multi-tensor kernel launches for all parameters instead of ~7 launches per parameter.
bool adam_multi_tensor(const svn_tensor* params, const svn_tensor* grads, const svn_tensor* exp_avg,
                       const svn_tensor* exp_avg_sq, int32_t count, const svn_adam_config& c) {
  int32_t mode = multi_tensor_mode.load(std::memory_order_relaxed);
  if (mode < 0 || count <= 0) return false;
  std::vector<at::Tensor> p, g, m, v;
  p.reserve(count), g.reserve(count), m.reserve(count), v.reserve(count);
  for (int32_t k = 0; k < count; k++) {
    p.push_back(as_tensor(params[k]));
    g.push_back(as_tensor(grads[k]));
    m.push_back(as_tensor(exp_avg[k]));
    v.push_back(as_tensor(exp_avg_sq[k]));
    if (mode == 0 && !(p.back().is_cuda() && g.back().is_cuda() && m.back().is_cuda() && v.back().is_cuda()))
      return false;
    if (g.back().sizes() != p.back().sizes()) throw std::invalid_argument("gradient shape differs from parameter shape");
  }
  at::NoGradGuard no_grad;
  double bc1 = 1.0 - std::pow(c.beta1, static_cast<double>(c.step));
  double bc2 = 1.0 - std::pow(c.beta2, static_cast<double>(c.step));
  std::vector<at::Tensor> grad_terms = g;
  if (c.decoupled) {
    if (c.lr * c.weight_decay != 0) at::_foreach_mul_(p, 1.0 - c.lr * c.weight_decay);
  } else if (c.weight_decay != 0) {
    grad_terms = at::_foreach_add(g, p, c.weight_decay);
  }
  at::_foreach_mul_(m, c.beta1);
  at::_foreach_add_(m, grad_terms, 1.0 - c.beta1);
  at::_foreach_mul_(v, c.beta2);
  at::_foreach_addcmul_(v, grad_terms, grad_terms, 1.0 - c.beta2);
  auto denom = at::_foreach_sqrt(v);
  at::_foreach_div_(denom, std::sqrt(bc2));
  at::_foreach_add_(denom, c.eps);
  at::_foreach_addcdiv_(p, m, denom, -c.lr / bc1);
  return true;
}

}  // namespace svn

extern "C" {

int svn_autocast_get(int32_t device_type, int32_t* enabled, int32_t* dtype, int32_t* cache_enabled) {
  SVN_GUARD({
    auto device = ac_device(device_type);
    *enabled = ac_enabled(device) ? 1 : 0;
    *dtype = static_cast<int32_t>(ac_dtype(device));
    *cache_enabled = at::autocast::is_autocast_cache_enabled() ? 1 : 0;
  })
}

int svn_autocast_enter(int32_t device_type, int32_t dtype, int32_t cache_enabled, svn_autocast_state* previous) {
  SVN_GUARD({
    auto device = ac_device(device_type);
    auto type = static_cast<at::ScalarType>(dtype);
    if (type != at::kBFloat16 && type != at::kHalf)
      throw std::invalid_argument("autocast needs a reduced floating-point type (bfloat16 or float16), got " +
                                  std::string(c10::toString(type)));
    if (device == at::kCPU && type != at::kBFloat16 && !(TORCH_VERSION_MAJOR >= 2))
      throw std::invalid_argument("CPU autocast in libtorch " TORCH_VERSION " supports only bfloat16");
    previous->device_type = device_type;
    previous->enabled = ac_enabled(device) ? 1 : 0;
    previous->dtype = static_cast<int32_t>(ac_dtype(device));
    previous->cache_enabled = at::autocast::is_autocast_cache_enabled() ? 1 : 0;
    // The order of torch.autocast.__enter__: dtype, enabled, cache flag, nesting.
    ac_set_dtype(device, type);
    ac_set_enabled(device, true);
    at::autocast::set_autocast_cache_enabled(cache_enabled != 0);
    at::autocast::increment_nesting();
  })
}

int svn_autocast_exit(const svn_autocast_state* previous) {
  SVN_GUARD({
    auto device = ac_device(previous->device_type);
    // As torch.autocast.__exit__: the weight-cast cache lives until the outermost region ends.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    ac_set_enabled(device, previous->enabled != 0);
    ac_set_dtype(device, static_cast<at::ScalarType>(previous->dtype));
    at::autocast::set_autocast_cache_enabled(previous->cache_enabled != 0);
  })
}

int svn_autocast_suspend(int32_t device_type, svn_autocast_state* previous) {
  SVN_GUARD({
    auto device = ac_device(device_type);
    previous->device_type = device_type;
    previous->enabled = ac_enabled(device) ? 1 : 0;
    previous->dtype = static_cast<int32_t>(ac_dtype(device));
    previous->cache_enabled = at::autocast::is_autocast_cache_enabled() ? 1 : 0;
    ac_set_enabled(device, false);
  })
}

int svn_autocast_resume(const svn_autocast_state* previous) {
  SVN_GUARD({
    auto device = ac_device(previous->device_type);
    ac_set_enabled(device, previous->enabled != 0);
    ac_set_dtype(device, static_cast<at::ScalarType>(previous->dtype));
  })
}

int svn_set_cudnn_benchmark(int32_t enabled) { SVN_GUARD({ at::globalContext().setBenchmarkCuDNN(enabled != 0); }) }

int32_t svn_cudnn_benchmark(void) { return at::globalContext().benchmarkCuDNN() ? 1 : 0; }

int svn_set_float32_matmul_precision(const char* precision) {
  SVN_GUARD({
    if (precision == nullptr) throw std::invalid_argument("null precision");
    std::string p(precision);
    if (p != "highest" && p != "high" && p != "medium")
      throw std::invalid_argument("float32 matmul precision must be highest, high or medium, got '" + p + "'");
    at::globalContext().setFloat32MatmulPrecision(p);
  })
}

int svn_build_info(char* buffer, int32_t capacity, int32_t* length) {
  SVN_GUARD({
    std::string info = std::string("libtorch ") + TORCH_VERSION;
    info += at::hasCUDA() ? "; CUDA available" : "; no CUDA";
    if (at::hasCUDA()) {
      info += "; CUDA devices " + std::to_string(at::getNumGPUs());
      info += "; cuDNN " + (at::detail::getCUDAHooks().hasCuDNN()
                                 ? std::to_string(at::detail::getCUDAHooks().versionCuDNN()) : std::string("absent"));
    }
    info += "\n" + at::show_config();
    *length = static_cast<int32_t>(info.size());
    if (buffer != nullptr && capacity > 0) {
      auto n = std::min<size_t>(info.size(), static_cast<size_t>(capacity - 1));
      std::memcpy(buffer, info.data(), n);
      buffer[n] = '\0';
    }
  })
}

int svn_cuda_set_sync_debug_mode(int32_t mode, int32_t* previous) {
  SVN_GUARD({
    if (mode < 0 || mode > 2) throw std::invalid_argument("sync debug mode must be 0 (off), 1 (warn) or 2 (error)");
#if defined(SVN_CUDA_SYNC_DEBUG)
    auto& state = c10::cuda::warning_state();
    if (previous != nullptr) *previous = static_cast<int32_t>(state.get_sync_debug_mode());
    state.set_sync_debug_mode(static_cast<c10::cuda::SyncDebugMode>(mode));
#else
    throw std::runtime_error(
        "CUDA synchronisation debugging needs libsimvae_native built against a CUDA libtorch (scripts/gpu/build-native.sh)");
#endif
  })
}

int svn_set_multi_tensor_optim(int32_t mode) {
  SVN_GUARD({
    if (mode < -1 || mode > 1) throw std::invalid_argument("multi-tensor mode must be -1, 0 or 1");
    multi_tensor_mode.store(mode, std::memory_order_relaxed);
  })
}

}  // extern "C"
