// Fused optimizer steps. PyTorch 1.13's Adam on the CPU makes ~10 single-threaded elementwise
// passes per parameter; here each float32 CPU parameter is updated in one multi-threaded pass
// (the same arithmetic as torch.optim.Adam / AdamW / SGD, so results match to rounding).
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>
#include "guard.h"

using svn::as_tensor;

namespace {

constexpr int64_t kGrain = 1 << 15;

bool fast_path(const at::Tensor& t) {
  return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous();
}

// Compiled for several instruction sets; the loader picks the best one the CPU has.
__attribute__((target_clones("avx512f", "avx2", "default"))) void adam_kernel(
    float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, int64_t n, float b1,
    float b2, float omb1, float omb2, float eps, float step_size, float inv_bc2_sqrt, float l2, float decay) {
  for (int64_t k = 0; k < n; k++) {
    float grad = g[k] + l2 * p[k];
    float mk = b1 * m[k] + omb1 * grad;  // 1 − β in double, as PyTorch
    float vk = b2 * v[k] + omb2 * grad * grad;
    m[k] = mk;
    v[k] = vk;
    float denom = std::sqrt(vk) * inv_bc2_sqrt + eps;
    p[k] = p[k] * decay - step_size * mk / denom;
  }
}

void adam_reference(at::Tensor& p, const at::Tensor& g0, at::Tensor& m, at::Tensor& v, const svn_adam_config& c) {
  at::Tensor g = g0;
  if (c.decoupled) p.mul_(1.0 - c.lr * c.weight_decay);
  else if (c.weight_decay != 0) g = g.add(p, c.weight_decay);
  m.mul_(c.beta1).add_(g, 1.0 - c.beta1);
  v.mul_(c.beta2).addcmul_(g, g, 1.0 - c.beta2);
  double bc1 = 1.0 - std::pow(c.beta1, static_cast<double>(c.step));
  double bc2 = 1.0 - std::pow(c.beta2, static_cast<double>(c.step));
  auto denom = (v.sqrt() / std::sqrt(bc2)).add_(c.eps);
  p.addcdiv_(m, denom, -c.lr / bc1);
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void sgd_kernel(
    float* __restrict p, const float* __restrict g, float* __restrict buf, int64_t n, float lr, float momentum,
    float dampening, float wd, bool nesterov, bool first) {
  for (int64_t k = 0; k < n; k++) {
    float grad = g[k] + wd * p[k];
    if (buf != nullptr) {
      float b = first ? grad : momentum * buf[k] + (1.0f - dampening) * grad;
      buf[k] = b;
      grad = nesterov ? grad + momentum * b : b;
    }
    p[k] -= lr * grad;
  }
}

// Runs body(begin, end) over [0, n) in up to svn::optimizer_threads contiguous chunks (this thread takes the
// first). Not at::parallel_for: with libtorch at 1 intra-op thread and OpenBLAS at 2 (the fastest setting for
// MLP steps on 2 cores) it would leave the second core idle during the optimizer's memory-bound pass.
template <typename Body>
void parallel_chunks(int64_t n, const Body& body) {
  int64_t threads = std::min<int64_t>(svn::optimizer_threads.load(), std::max<int64_t>(1, n / kGrain));
  if (threads <= 1) {
    body(0, n);
    return;
  }
  int64_t chunk = (n + threads - 1) / threads;
  std::vector<std::thread> workers;
  try {
    for (int64_t t = 1; t < threads; t++)
      workers.emplace_back([&, t] { body(t * chunk, std::min(n, (t + 1) * chunk)); });
  } catch (const std::system_error& e) {
    // A thread that cannot start is an error the caller sees, never std::terminate or a wait on it.
    for (auto& w : workers) w.join();
    throw std::runtime_error("could not start optimizer thread " + std::to_string(workers.size() + 1) + " of " +
                             std::to_string(threads) + " (" + e.what() + "); lower --threads or raise the process limits");
  }
  body(0, chunk);
  for (auto& w : workers) w.join();
}

double l2_norm(const at::Tensor& t) { return t.detach().norm().item<double>(); }

}  // namespace

extern "C" {

int svn_adam_step(const svn_tensor* params, const svn_tensor* grads, const svn_tensor* exp_avg,
                  const svn_tensor* exp_avg_sq, int32_t count, const svn_adam_config* config) {
  SVN_GUARD({
    const auto& c = *config;
    if (c.step < 1) throw std::invalid_argument("Adam step must be >= 1");
    if (svn::adam_multi_tensor(params, grads, exp_avg, exp_avg_sq, count, c)) return 0;  // CUDA (cuda_api.cpp)
    at::NoGradGuard no_grad;
    double bc1 = 1.0 - std::pow(c.beta1, static_cast<double>(c.step));
    double bc2 = 1.0 - std::pow(c.beta2, static_cast<double>(c.step));
    for (int32_t k = 0; k < count; k++) {
      auto& p = as_tensor(params[k]);
      const auto& g = as_tensor(grads[k]);
      auto& m = as_tensor(exp_avg[k]);
      auto& v = as_tensor(exp_avg_sq[k]);
      if (g.sizes() != p.sizes()) throw std::invalid_argument("gradient shape differs from parameter shape");
      if (!(fast_path(p) && fast_path(g) && fast_path(m) && fast_path(v))) {
        adam_reference(p, g, m, v, c);
        continue;
      }
      float* pp = p.data_ptr<float>();
      const float* gp = g.data_ptr<float>();
      float* mp = m.data_ptr<float>();
      float* vp = v.data_ptr<float>();
      float step_size = static_cast<float>(c.lr / bc1);
      float inv_bc2_sqrt = static_cast<float>(1.0 / std::sqrt(bc2));
      float l2 = c.decoupled ? 0.0f : static_cast<float>(c.weight_decay);
      float decay = c.decoupled ? static_cast<float>(1.0 - c.lr * c.weight_decay) : 1.0f;
      parallel_chunks(p.numel(), [&](int64_t begin, int64_t end) {
        adam_kernel(pp + begin, gp + begin, mp + begin, vp + begin, end - begin, static_cast<float>(c.beta1),
                    static_cast<float>(c.beta2), static_cast<float>(1.0 - c.beta1), static_cast<float>(1.0 - c.beta2),
                    static_cast<float>(c.eps), step_size, inv_bc2_sqrt, l2, decay);
      });
    }
  })
}

int svn_sgd_step(const svn_tensor* params, const svn_tensor* grads, const svn_tensor* momentum_buffers,
                 int32_t count, const svn_sgd_config* config) {
  SVN_GUARD({
    const auto& c = *config;
    at::NoGradGuard no_grad;
    for (int32_t k = 0; k < count; k++) {
      auto& p = as_tensor(params[k]);
      const auto& g = as_tensor(grads[k]);
      at::Tensor* buf = momentum_buffers != nullptr && momentum_buffers[k] != nullptr
                            ? &as_tensor(momentum_buffers[k]) : nullptr;
      double lr = c.lr;
      if (c.lars_eta > 0) {
        // LARS trust ratio (You, Gitman, Ginsburg 2017): eta * ||w|| / (||g|| + wd * ||w||).
        double wn = l2_norm(p), gn = l2_norm(g);
        if (wn > 0 && gn > 0) lr *= c.lars_eta * wn / (gn + c.weight_decay * wn);
      }
      bool fast = fast_path(p) && fast_path(g) && (buf == nullptr || fast_path(*buf));
      if (!fast) {
        at::Tensor d = c.weight_decay != 0 ? g.add(p, c.weight_decay) : g;
        if (buf != nullptr) {
          if (c.first_step) buf->copy_(d);
          else buf->mul_(c.momentum).add_(d, 1.0 - c.dampening);
          d = c.nesterov ? d.add(*buf, c.momentum) : *buf;
        }
        p.add_(d, -lr);
        continue;
      }
      float* pp = p.data_ptr<float>();
      const float* gp = g.data_ptr<float>();
      float* bp = buf != nullptr ? buf->data_ptr<float>() : nullptr;
      parallel_chunks(p.numel(), [&](int64_t begin, int64_t end) {
        sgd_kernel(pp + begin, gp + begin, bp ? bp + begin : nullptr, end - begin, static_cast<float>(lr),
                   static_cast<float>(c.momentum), static_cast<float>(c.dampening),
                   static_cast<float>(c.weight_decay), c.nesterov != 0, c.first_step != 0);
      });
    }
  })
}

}  // extern "C"
