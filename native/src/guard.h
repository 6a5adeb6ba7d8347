// Shared by the native translation units: error capture and handle conversion.
#pragma once
#include <ATen/ATen.h>
#include <atomic>
#include <string>
#include "simvae_native.h"

namespace svn {

void set_last_error(std::string message);
extern std::atomic<int64_t> live_tensors;
// Threads the fused optimizer steps may use: the larger of libtorch's intra-op and OpenBLAS's counts, since the
// two pools are idle while the optimizer runs (set by svn_set_num_threads).
extern std::atomic<int32_t> optimizer_threads;

inline at::Tensor& as_tensor(svn_tensor t) {
  if (t == nullptr) throw std::invalid_argument("null tensor handle");
  return *static_cast<at::Tensor*>(t);
}

inline svn_tensor new_handle(at::Tensor t) {
  live_tensors.fetch_add(1, std::memory_order_relaxed);
  return new at::Tensor(std::move(t));
}

// Multi-tensor Adam for CUDA parameters (cuda_api.cpp); false when the per-parameter path should run.
bool adam_multi_tensor(const svn_tensor* params, const svn_tensor* grads, const svn_tensor* exp_avg,
                       const svn_tensor* exp_avg_sq, int32_t count, const svn_adam_config& config);

}  // namespace svn

// Runs body; converts every exception (c10::Error, std::exception, anything else) into an error
// code plus a thread-local message, so no C++ exception ever reaches the managed caller.
#define SVN_GUARD(...)                                                      \
  try {                                                                     \
    __VA_ARGS__;                                                                 \
    return 0;                                                               \
  } catch (const c10::Error& e) {                                           \
    svn::set_last_error(e.what_without_backtrace());                        \
  } catch (const std::exception& e) {                                       \
    svn::set_last_error(e.what());                                          \
  } catch (...) {                                                           \
    svn::set_last_error("unknown native exception");                        \
  }                                                                         \
  return 1;
