// Tensors, autograd and runtime settings (see simvae_native.h for the contract).
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <dlfcn.h>
#include <link.h>
#include <climits>
#include <cstdlib>
#include <torch/version.h>
#include <cstring>
#include "guard.h"

namespace svn {
static thread_local std::string last_error;
std::atomic<int64_t> live_tensors{0};
std::atomic<int32_t> optimizer_threads{1};
void set_last_error(std::string message) { last_error = std::move(message); }
}  // namespace svn

using svn::as_tensor;
using svn::new_handle;

// libtorch (and so OpenBLAS) is loaded with RTLD_LOCAL by .NET and Python alike, so OpenBLAS's thread setter is
// not in the global symbol scope: look it up in the already-loaded BLAS libraries themselves.
using blas_setter = void (*)(int);
static blas_setter blas_thread_setter() {
  const char* libraries[] = {"libopenblas.so.0", "libblas.so.3", "libopenblasp-r0.3.21.so", nullptr};
  for (const char** name = libraries; *name; name++) {
    void* handle = dlopen(*name, RTLD_LAZY | RTLD_NOLOAD);
    if (!handle) continue;
    auto f = reinterpret_cast<blas_setter>(dlsym(handle, "openblas_set_num_threads"));
    dlclose(handle);
    if (f) return f;
  }
  return reinterpret_cast<blas_setter>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
}

static at::Device to_device(int32_t type, int32_t index) {
  if (type == 0) return at::Device(at::kCPU);
  if (type == 1) return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
  if (type == 2) return at::Device(at::kMeta);  // shapes only, no storage
  throw std::invalid_argument("unknown device type " + std::to_string(type));
}

extern "C" {

const char* svn_last_error(void) { return svn::last_error.c_str(); }

const char* svn_torch_version(void) { return TORCH_VERSION; }

int svn_set_num_threads(int32_t intra_op_threads, int32_t blas_threads) {
  SVN_GUARD({
    if (intra_op_threads < 1) throw std::invalid_argument("intra-op threads must be >= 1");
    at::set_num_threads(intra_op_threads);
    // OpenBLAS keeps its own pool; both pools busy at once oversubscribe the cores.
    if (auto f = blas_thread_setter()) f(blas_threads < 1 ? 1 : blas_threads);
    svn::optimizer_threads = std::max(intra_op_threads, blas_threads);
  })
}

const char* svn_blas_library(void) {
  static std::string path;
  path.clear();
  dl_iterate_phdr(
      [](struct dl_phdr_info* info, size_t, void*) -> int {
        std::string name = info->dlpi_name ? info->dlpi_name : "";
        auto slash = name.rfind('/');
        auto base = slash == std::string::npos ? name : name.substr(slash + 1);
        if (base.find("blas") != std::string::npos && base.find("cblas") == std::string::npos) {
          char resolved[PATH_MAX];
          path = realpath(name.c_str(), resolved) ? resolved : name;
          return 1;
        }
        return 0;
      },
      nullptr);
  return path.c_str();
}

int32_t svn_get_num_threads(void) { return at::get_num_threads(); }

int svn_manual_seed(uint64_t seed) {
  SVN_GUARD({
    auto cpu = at::detail::getDefaultCPUGenerator();
    {
      std::lock_guard<std::mutex> lock(cpu.mutex());
      cpu.set_current_seed(seed);
    }
    if (at::hasCUDA()) {
      for (int i = 0; i < static_cast<int>(at::getNumGPUs()); i++) {
        auto gen = at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_current_seed(seed);
      }
    }
  })
}

int32_t svn_cuda_device_count(void) {
  try {
    return at::hasCUDA() ? static_cast<int32_t>(at::getNumGPUs()) : 0;
  } catch (...) {
    return 0;
  }
}

int svn_cuda_synchronize(int32_t device) {
  SVN_GUARD({
    if (!at::hasCUDA()) throw std::runtime_error("CUDA is not available in this libtorch build");
    at::detail::getCUDAHooks().deviceSynchronize(device);
  })
}

int32_t svn_grad_enabled(void) { return at::GradMode::is_enabled() ? 1 : 0; }
void svn_set_grad_enabled(int32_t enabled) { at::GradMode::set_enabled(enabled != 0); }
int64_t svn_live_tensors(void) { return svn::live_tensors.load(std::memory_order_relaxed); }

int svn_tensor_from_data(const void* data, int32_t dtype, const int64_t* shape, int32_t ndim, int32_t device_type,
                         int32_t device_index, svn_tensor* out) {
  SVN_GUARD({
    if (ndim < 0) throw std::invalid_argument("negative rank");
    std::vector<int64_t> sizes(shape, shape + ndim);
    auto options = at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype));
    at::Tensor t = at::empty(sizes, options);
    if (t.numel() > 0) {
      if (data == nullptr) throw std::invalid_argument("null data pointer");
      std::memcpy(t.data_ptr(), data, t.nbytes());
    }
    auto device = to_device(device_type, device_index);
    if (!device.is_cpu()) t = t.to(device);
    *out = new_handle(std::move(t));
  })
}

int svn_tensor_copy_to_host(svn_tensor handle, void* dst, int64_t nbytes) {
  SVN_GUARD({
    at::Tensor t = as_tensor(handle).detach();
    if (!t.device().is_cpu()) t = t.to(at::kCPU);
    t = t.contiguous();
    if (static_cast<int64_t>(t.nbytes()) != nbytes)
      throw std::invalid_argument("destination holds " + std::to_string(nbytes) + " bytes but the tensor has " +
                                  std::to_string(t.nbytes()));
    if (nbytes > 0) std::memcpy(dst, t.data_ptr(), nbytes);
  })
}

int svn_tensor_data_ptr(svn_tensor handle, void** out) {
  SVN_GUARD({
    auto& t = as_tensor(handle);
    if (!t.device().is_cpu() || !t.is_contiguous())
      throw std::invalid_argument("data pointer needs a contiguous CPU tensor");
    *out = t.data_ptr();
  })
}

void svn_tensor_free(svn_tensor t) {
  if (t == nullptr) return;
  delete static_cast<at::Tensor*>(t);
  svn::live_tensors.fetch_sub(1, std::memory_order_relaxed);
}

int svn_tensor_alias(svn_tensor t, svn_tensor* out) { SVN_GUARD({ *out = new_handle(as_tensor(t)); }) }

int32_t svn_tensor_ndim(svn_tensor t) { return t ? static_cast<int32_t>(as_tensor(t).dim()) : -1; }

int svn_tensor_shape(svn_tensor handle, int64_t* out, int32_t max) {
  SVN_GUARD({
    auto sizes = as_tensor(handle).sizes();
    if (static_cast<int32_t>(sizes.size()) > max) throw std::invalid_argument("shape buffer too small");
    std::copy(sizes.begin(), sizes.end(), out);
  })
}

int svn_tensor_strides(svn_tensor handle, int64_t* out, int32_t max) {
  SVN_GUARD({
    auto strides = as_tensor(handle).strides();
    if (static_cast<int32_t>(strides.size()) > max) throw std::invalid_argument("stride buffer too small");
    std::copy(strides.begin(), strides.end(), out);
  })
}

int32_t svn_tensor_dtype(svn_tensor t) { return t ? static_cast<int32_t>(as_tensor(t).scalar_type()) : -1; }

int svn_tensor_device(svn_tensor handle, int32_t* type, int32_t* index) {
  SVN_GUARD({
    auto device = as_tensor(handle).device();
    *type = device.is_cuda() ? 1 : device.is_cpu() ? 0 : -1;
    *index = device.index();
  })
}

int32_t svn_tensor_defined(svn_tensor t) { return t != nullptr && as_tensor(t).defined() ? 1 : 0; }

int svn_tensor_set_data(svn_tensor t, svn_tensor src) { SVN_GUARD({ as_tensor(t).set_data(as_tensor(src)); }) }

int32_t svn_tensor_requires_grad(svn_tensor t) { return t && as_tensor(t).requires_grad() ? 1 : 0; }

int svn_tensor_set_requires_grad(svn_tensor t, int32_t requires_grad) {
  SVN_GUARD({ as_tensor(t).set_requires_grad(requires_grad != 0); })
}

int svn_tensor_grad(svn_tensor t, svn_tensor* out) {
  SVN_GUARD({
    const auto& grad = as_tensor(t).grad();
    *out = grad.defined() ? new_handle(grad) : nullptr;
  })
}

int svn_tensor_set_grad(svn_tensor t, svn_tensor grad) {
  SVN_GUARD({ as_tensor(t).mutable_grad() = grad == nullptr ? at::Tensor() : as_tensor(grad); })
}

int svn_tensor_backward(svn_tensor t, svn_tensor grad, int32_t retain_graph, int32_t create_graph) {
  SVN_GUARD({
    at::Tensor gradient = grad == nullptr ? at::Tensor() : as_tensor(grad);
    as_tensor(t).backward(gradient, retain_graph != 0, create_graph != 0);
  })
}

int32_t svn_tensor_is_leaf(svn_tensor t) { return t && as_tensor(t).is_leaf() ? 1 : 0; }

}  // extern "C"
