// Generic operator call: any ATen operator by schema name through the boxed dispatcher.
// Autograd is recorded as for a direct call, because dispatch goes through the Autograd keys.
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include "guard.h"

using svn::as_tensor;
using svn::new_handle;

namespace {

std::vector<at::Tensor> tensor_list(const svn_value& v) {
  auto handles = static_cast<const svn_tensor*>(v.p);
  std::vector<at::Tensor> list;
  list.reserve(v.n);
  for (int64_t k = 0; k < v.n; k++) list.push_back(as_tensor(handles[k]));
  return list;
}

c10::IValue to_ivalue(const svn_value& v, const c10::Argument& arg) {
  switch (v.kind) {
    case SVN_NONE: return c10::IValue();
    case SVN_TENSOR: return c10::IValue(as_tensor(v.p));
    case SVN_INT: return c10::IValue(v.i);
    case SVN_DOUBLE: return c10::IValue(v.d);
    case SVN_BOOL: return c10::IValue(v.i != 0);
    case SVN_INT_LIST: {
      auto data = static_cast<const int64_t*>(v.p);
      return c10::IValue(std::vector<int64_t>(data, data + v.n));
    }
    case SVN_DOUBLE_LIST: {
      auto data = static_cast<const double*>(v.p);
      return c10::IValue(std::vector<double>(data, data + v.n));
    }
    case SVN_BOOL_LIST: {
      auto data = static_cast<const int64_t*>(v.p);
      c10::List<bool> list;
      for (int64_t k = 0; k < v.n; k++) list.push_back(data[k] != 0);
      return c10::IValue(list);
    }
    case SVN_TENSOR_LIST: return c10::IValue(tensor_list(v));
    case SVN_OPT_TENSOR_LIST: {
      auto handles = static_cast<const svn_tensor*>(v.p);
      c10::List<c10::optional<at::Tensor>> list;
      for (int64_t k = 0; k < v.n; k++)
        list.push_back(handles[k] ? c10::optional<at::Tensor>(as_tensor(handles[k])) : c10::nullopt);
      return c10::IValue(list);
    }
    case SVN_STRING: return c10::IValue(std::string(static_cast<const char*>(v.p)));
    case SVN_DEVICE:
      // 0 CPU, 1 CUDA, 2 meta (shapes only, no storage), as DeviceType in Device.cs.
      return c10::IValue(v.i == 1   ? at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(v.n))
                         : v.i == 2 ? at::Device(at::kMeta)
                                    : at::Device(at::kCPU));
    case SVN_DEFAULT:
      if (!arg.default_value()) throw std::invalid_argument("argument '" + arg.name() + "' has no default value");
      return *arg.default_value();
    default: throw std::invalid_argument("unknown argument kind " + std::to_string(v.kind));
  }
}

void push_result(const c10::IValue& value, svn_value* results, int32_t max_results, int32_t& count) {
  if (value.isTensorList()) {
    for (const auto& t : value.toTensorList()) push_result(c10::IValue(t), results, max_results, count);
    return;
  }
  if (count >= max_results) throw std::invalid_argument("operator returned more results than the buffer holds");
  svn_value& r = results[count++];
  r = svn_value{};
  if (value.isTensor()) {
    const auto& t = value.toTensor();
    if (t.defined()) {
      r.kind = SVN_TENSOR;
      r.p = new_handle(t);
    }
  } else if (value.isDouble()) {
    r.kind = SVN_DOUBLE;
    r.d = value.toDouble();
  } else if (value.isInt()) {
    r.kind = SVN_INT;
    r.i = value.toInt();
  } else if (value.isBool()) {
    r.kind = SVN_BOOL;
    r.i = value.toBool() ? 1 : 0;
  } else if (!value.isNone()) {
    throw std::invalid_argument("unsupported result type " + value.tagKind());
  }
}

}  // namespace

extern "C" {

int svn_op_find(const char* name, const char* overload, svn_op* out) {
  SVN_GUARD({
    auto handle = c10::Dispatcher::singleton().findSchemaOrThrow(name, overload ? overload : "");
    *out = new c10::OperatorHandle(handle);  // lives for the process: operators are cached by the caller
  })
}

int svn_op_schema(svn_op op, const char** out) {
  SVN_GUARD({
    static thread_local std::string text;
    std::ostringstream stream;
    stream << static_cast<c10::OperatorHandle*>(op)->schema();
    text = stream.str();
    *out = text.c_str();
  })
}

int svn_op_call(svn_op op, const svn_value* args, int32_t nargs, svn_value* results, int32_t max_results,
                int32_t* nresults) {
  int32_t count = 0;
  try {
    auto& handle = *static_cast<c10::OperatorHandle*>(op);
    const auto& schema = handle.schema();
    const auto& arguments = schema.arguments();
    if (nargs > static_cast<int32_t>(arguments.size()))
      throw std::invalid_argument(schema.name() + " takes " + std::to_string(arguments.size()) + " arguments, got " +
                                  std::to_string(nargs));
    torch::jit::Stack stack;
    stack.reserve(arguments.size());
    for (size_t k = 0; k < arguments.size(); k++) {
      static const svn_value use_default{SVN_DEFAULT, 0, 0, 0.0, nullptr, 0};
      stack.push_back(to_ivalue(static_cast<int32_t>(k) < nargs ? args[k] : use_default, arguments[k]));
    }
    handle.callBoxed(stack);
    for (const auto& value : stack) push_result(value, results, max_results, count);
    *nresults = count;
    return 0;
  } catch (const c10::Error& e) {
    svn::set_last_error(e.what_without_backtrace());
  } catch (const std::exception& e) {
    svn::set_last_error(e.what());
  } catch (...) {
    svn::set_last_error("unknown native exception");
  }
  // Release tensors produced before the failure so nothing leaks.
  for (int32_t k = 0; k < count; k++)
    if (results[k].kind == SVN_TENSOR) svn_tensor_free(results[k].p);
  *nresults = 0;
  return 1;
}

}  // extern "C"
