/* C ABI of libsimvae_native: a thin binding over libtorch for SimVae.Torch.
 * Conventions: every function returns 0 on success and non-zero on failure; on failure
 * svn_last_error() returns the message (thread-local, valid until the next failing call on
 * the same thread). No C++ exception crosses this boundary. Tensor handles are opaque
 * pointers owned by the caller and released with svn_tensor_free. */
#ifndef SIMVAE_NATIVE_H
#define SIMVAE_NATIVE_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SVN_API __attribute__((visibility("default")))

typedef void* svn_tensor;
typedef void* svn_op;

/* Argument / result kinds for the generic operator call. */
enum svn_kind {
  SVN_NONE = 0,        /* None / undefined tensor */
  SVN_TENSOR = 1,      /* p: svn_tensor */
  SVN_INT = 2,         /* i */
  SVN_DOUBLE = 3,      /* d */
  SVN_BOOL = 4,        /* i != 0 */
  SVN_INT_LIST = 5,    /* p: const int64_t*, n */
  SVN_DOUBLE_LIST = 6, /* p: const double*, n */
  SVN_TENSOR_LIST = 7, /* p: const svn_tensor*, n */
  SVN_STRING = 8,      /* p: const char* (UTF-8, NUL-terminated) */
  SVN_DEFAULT = 9,     /* use the schema's default value */
  SVN_DEVICE = 10,     /* i: device type (0 CPU, 1 CUDA), n: index (-1 = current) */
  SVN_OPT_TENSOR_LIST = 11, /* p: const svn_tensor*, n; NULL entries mean None */
  SVN_BOOL_LIST = 12   /* p: const int64_t*, n (non-zero = true) */
};

typedef struct svn_value {
  int32_t kind;
  int32_t reserved;
  int64_t i;
  double d;
  void* p;
  int64_t n;
} svn_value;

/* Errors */
SVN_API const char* svn_last_error(void);

/* Runtime */
SVN_API const char* svn_torch_version(void);
SVN_API int svn_set_num_threads(int32_t intra_op_threads, int32_t blas_threads);
SVN_API int32_t svn_get_num_threads(void);
/* Real path of the BLAS library libtorch loaded (e.g. OpenBLAS or the slow reference BLAS); "" if none found. */
SVN_API const char* svn_blas_library(void);
SVN_API int svn_manual_seed(uint64_t seed);
SVN_API int32_t svn_cuda_device_count(void);
SVN_API int svn_cuda_synchronize(int32_t device);
SVN_API int32_t svn_grad_enabled(void);
SVN_API void svn_set_grad_enabled(int32_t enabled);
SVN_API int64_t svn_live_tensors(void);

/* Tensors */
SVN_API int svn_tensor_from_data(const void* data, int32_t dtype, const int64_t* shape, int32_t ndim,
                                 int32_t device_type, int32_t device_index, svn_tensor* out);
SVN_API int svn_tensor_copy_to_host(svn_tensor t, void* dst, int64_t nbytes);
SVN_API int svn_tensor_data_ptr(svn_tensor t, void** out);
SVN_API void svn_tensor_free(svn_tensor t);
SVN_API int svn_tensor_alias(svn_tensor t, svn_tensor* out);
SVN_API int32_t svn_tensor_ndim(svn_tensor t);
SVN_API int svn_tensor_shape(svn_tensor t, int64_t* out, int32_t max);
SVN_API int svn_tensor_strides(svn_tensor t, int64_t* out, int32_t max);
SVN_API int32_t svn_tensor_dtype(svn_tensor t);
SVN_API int svn_tensor_device(svn_tensor t, int32_t* type, int32_t* index);
SVN_API int32_t svn_tensor_defined(svn_tensor t);
/* Replaces t's data (and device/dtype) by src's, keeping t's identity (PyTorch's `param.data = src`). */
SVN_API int svn_tensor_set_data(svn_tensor t, svn_tensor src);

/* Autograd */
SVN_API int32_t svn_tensor_requires_grad(svn_tensor t);
SVN_API int svn_tensor_set_requires_grad(svn_tensor t, int32_t requires_grad);
SVN_API int svn_tensor_grad(svn_tensor t, svn_tensor* out); /* *out = NULL when no gradient */
SVN_API int svn_tensor_set_grad(svn_tensor t, svn_tensor grad); /* grad NULL clears it */
SVN_API int svn_tensor_backward(svn_tensor t, svn_tensor grad, int32_t retain_graph, int32_t create_graph);
SVN_API int32_t svn_tensor_is_leaf(svn_tensor t);

/* Generic operator call through the boxed dispatcher. */
SVN_API int svn_op_find(const char* name, const char* overload, svn_op* out);
SVN_API int svn_op_schema(svn_op op, const char** out);
SVN_API int svn_op_call(svn_op op, const svn_value* args, int32_t nargs, svn_value* results, int32_t max_results,
                        int32_t* nresults);

/* Fused optimizer steps: one multi-threaded pass over all parameters. */
typedef struct svn_adam_config {
  double lr, beta1, beta2, eps, weight_decay;
  int64_t step;           /* 1-based step number after increment */
  int32_t decoupled;      /* 1 = AdamW */
  int32_t reserved;
} svn_adam_config;
SVN_API int svn_adam_step(const svn_tensor* params, const svn_tensor* grads, const svn_tensor* exp_avg,
                          const svn_tensor* exp_avg_sq, int32_t count, const svn_adam_config* config);

typedef struct svn_sgd_config {
  double lr, momentum, dampening, weight_decay;
  double lars_eta;        /* > 0 enables the LARS trust ratio (You et al. 2017) */
  int32_t nesterov;
  int32_t first_step;     /* momentum buffer initialised to the gradient on the first step */
} svn_sgd_config;
SVN_API int svn_sgd_step(const svn_tensor* params, const svn_tensor* grads, const svn_tensor* momentum_buffers,
                         int32_t count, const svn_sgd_config* config);

/* Image decoding (OpenCV): decodes PNG/JPEG bytes, converts to grayscale (channels 1) or RGB (channels 3),
 * resizes to height x width with area interpolation, and returns a uint8 tensor (channels, height, width).
 * Fails with "built without OpenCV" when the library was compiled without it. */
SVN_API int svn_image_decode(const uint8_t* bytes, int64_t length, int32_t channels, int32_t height, int32_t width,
                             svn_tensor* out);

/* GPU support (cuda_api.cpp). Autocast state is thread-local, as in PyTorch: it affects operators called on
 * the calling thread only. device_type: 0 CPU, 1 CUDA. */
typedef struct svn_autocast_state {
  int32_t device_type;
  int32_t enabled;
  int32_t dtype;
  int32_t cache_enabled;
} svn_autocast_state;
SVN_API int svn_autocast_get(int32_t device_type, int32_t* enabled, int32_t* dtype, int32_t* cache_enabled);
/* Enters an autocast region (torch.autocast.__enter__): sets dtype (bfloat16 or float16), enables autocast for
 * the device, sets the weight-cast cache flag, increments the nesting; *previous receives the state to restore. */
SVN_API int svn_autocast_enter(int32_t device_type, int32_t dtype, int32_t cache_enabled, svn_autocast_state* previous);
/* Leaves it (torch.autocast.__exit__): decrements the nesting, clears the cast cache at the outermost level,
 * restores *previous. */
SVN_API int svn_autocast_exit(const svn_autocast_state* previous);
/* Disables autocast for the device until svn_autocast_resume (torch.autocast(enabled=False)): float32 regions. */
SVN_API int svn_autocast_suspend(int32_t device_type, svn_autocast_state* previous);
SVN_API int svn_autocast_resume(const svn_autocast_state* previous);
/* Backend flags: cuDNN autotuning (torch.backends.cudnn.benchmark), float32 matmul precision
 * ("highest", "high" = TF32 allowed, "medium"; torch.set_float32_matmul_precision). */
SVN_API int svn_set_cudnn_benchmark(int32_t enabled);
SVN_API int32_t svn_cudnn_benchmark(void);
SVN_API int svn_set_float32_matmul_precision(const char* precision);
/* libtorch version, CUDA/cuDNN availability and at::show_config(); *length = full length (without NUL);
 * at most capacity - 1 bytes are written, NUL-terminated. */
SVN_API int svn_build_info(char* buffer, int32_t capacity, int32_t* length);
/* torch.cuda.set_sync_debug_mode: 0 off, 1 warn, 2 error on every operation that synchronises the host with
 * the GPU (process-wide). *previous (may be NULL) receives the old mode. Fails on builds without CUDA headers. */
SVN_API int svn_cuda_set_sync_debug_mode(int32_t mode, int32_t* previous);
/* Multi-tensor (foreach) Adam: -1 never, 0 when all tensors are on CUDA (default), 1 always (tests). */
SVN_API int svn_set_multi_tensor_optim(int32_t mode);

/* Distributed (distributed.cpp): c10d rendezvous stores and a process group with Gloo (CPU tensors) and, in CUDA
 * builds with NCCL, NCCL (CUDA tensors); each collective picks the backend by the tensor's device. Collectives wait
 * at most the group's timeout; their errors read "c10d <op> (collective #k) failed on rank r of w: <c10d's message>". */
typedef void* svn_store;
typedef void* svn_process_group;
/* TCPStore at host:port; the server (rank 0) listens, clients connect (retrying until the timeout). */
SVN_API int svn_store_tcp(const char* host, int32_t port, int32_t is_server, int64_t timeout_ms, svn_store* out);
/* FileStore on a shared file (one machine, or a shared file system); world_size processes open it. */
SVN_API int svn_store_file(const char* path, int32_t world_size, int64_t timeout_ms, svn_store* out);
SVN_API void svn_store_free(svn_store s);
SVN_API int svn_store_set(svn_store s, const char* key, const uint8_t* value, int64_t length);
/* Waits (up to the store timeout) for key; copies at most capacity bytes; *length receives the full length. */
SVN_API int svn_store_get(svn_store s, const char* key, uint8_t* buffer, int64_t capacity, int64_t* length);
SVN_API int svn_store_add(svn_store s, const char* key, int64_t delta, int64_t* value);
SVN_API int svn_store_check(svn_store s, const char* key, int32_t* exists);
/* Backends compiled in: bit 0 Gloo, bit 1 NCCL. */
SVN_API int32_t svn_distributed_backends(void);
/* backends: the same bits. Gloo's transport device: gloo_interface (e.g. "eth0") if given, else gloo_host (an address
 * of this machine) if given, else c10d's default (this machine's hostname). */
SVN_API int svn_pg_create(svn_store store, int32_t rank, int32_t world_size, int32_t backends, const char* gloo_interface,
                          const char* gloo_host, int64_t timeout_ms, svn_process_group* out);
SVN_API void svn_pg_free(svn_process_group g);
/* Collectives this rank has entered so far (a rank behind the others has entered fewer). */
SVN_API int64_t svn_pg_collectives(svn_process_group g);
/* Collectives that failed so far (including those run by the all-gather's backward inside svn_tensor_backward). */
SVN_API int64_t svn_pg_failures(svn_process_group g);
/* In place; op: 0 sum, 1 product, 2 min, 3 max. */
SVN_API int svn_pg_all_reduce(svn_process_group g, svn_tensor t, int32_t op);
/* Sums the tensors over ranks in place, in flat buckets of at most bucket_bytes, then multiplies them by scale. */
SVN_API int svn_pg_all_reduce_buckets(svn_process_group g, const svn_tensor* tensors, int32_t count, int64_t bucket_bytes, double scale);
SVN_API int svn_pg_broadcast(svn_process_group g, svn_tensor t, int32_t root);
/* [n, ...] on every rank -> [world·n, ...] in rank order. differentiable: record an autograd node whose backward
 * all-reduces the gradient and returns this rank's rows (the process group must outlive that backward pass). */
SVN_API int svn_pg_all_gather(svn_process_group g, svn_tensor t, int32_t differentiable, svn_tensor* out);
SVN_API int svn_pg_barrier(svn_process_group g);

#ifdef __cplusplus
}
#endif
#endif
