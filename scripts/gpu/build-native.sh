#!/usr/bin/env bash
# Builds libsimvae_native against the CUDA libtorch inside a PyTorch installation:
#
#   scripts/gpu/build-native.sh            # -> artifacts/native-cuda/libsimvae_native.so
#
# Needs: cmake >= 3.18, a C++17 compiler, python3 with torch (its C++ headers and CMake config), and for a
# CUDA torch the CUDA toolkit that torch's CMake config looks for (nvcc; found on PATH, in $CUDA_HOME or
# /usr/local/cuda). No .NET, no network. Environment:
#   PYTHON=python3          the interpreter whose torch is used
#   BUILD_DIR=artifacts/native-cuda
#   WITH_OPENCV=0           1 = also build image decoding (off by default: pip's libtorch may use the pre-C++11
#                           string ABI, which system OpenCV does not)
#   JOBS=<cores>
#   TORCH_CMAKE_PREFIX=     overrides torch.utils.cmake_prefix_path (e.g. Debian's /usr/lib/x86_64-linux-gnu/cmake)
# Prints the library's path as its last line. Use it with SIMVAE_NATIVE_LIBRARY=<path> (scripts/gpu/run.sh does).
# On a machine with only the CPU PyTorch it builds a CPU library (a warning says so).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
BUILD_DIR="${BUILD_DIR:-$root/artifacts/native-cuda}"
WITH_OPENCV="${WITH_OPENCV:-0}"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

say() { echo "build-native: $*" >&2; }
die() { say "error: $*"; exit 1; }

command -v cmake >/dev/null || die "cmake not found"
cxx="${CXX:-$(command -v c++ || command -v g++ || command -v clang++ || true)}"
[ -n "$cxx" ] || die "no C++ compiler (c++, g++ or clang++) found; set CXX"
say "cmake $(cmake --version | head -1 | awk '{print $3}'), compiler $cxx ($("$cxx" --version | head -1))"

info="$("$PYTHON" - <<'PY'
import torch, torch.utils
print(torch.utils.cmake_prefix_path)
print(torch.__version__)
print(torch.version.cuda or "")
print(int(torch.cuda.is_available()))
print(int(torch._C._GLIBCXX_USE_CXX11_ABI))
PY
)" || die "$PYTHON cannot import torch"
prefix="${TORCH_CMAKE_PREFIX:-$(sed -n 1p <<<"$info")}"; torch_version="$(sed -n 2p <<<"$info")"; torch_cuda="$(sed -n 3p <<<"$info")"
cuda_available="$(sed -n 4p <<<"$info")"; cxx11_abi="$(sed -n 5p <<<"$info")"
say "PyTorch $torch_version (CUDA ${torch_cuda:-none}, device available: $cuda_available, CXX11 ABI $cxx11_abi), CMake config under $prefix"
[ -d "$prefix/Torch" ] || die "$prefix/Torch is missing: this PyTorch has no C++ CMake config"

args=(-S "$root/native" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx")
[ "$WITH_OPENCV" = 1 ] || args+=(-DCMAKE_DISABLE_FIND_PACKAGE_OpenCV=ON)
if [ -n "$torch_cuda" ]; then
  nvcc="$(command -v nvcc || true)"
  for candidate in "${CUDA_HOME:-}" "${CUDA_PATH:-}" /usr/local/cuda "/usr/local/cuda-$torch_cuda"; do
    [ -z "$nvcc" ] && [ -n "$candidate" ] && [ -x "$candidate/bin/nvcc" ] && nvcc="$candidate/bin/nvcc"
  done
  if [ -n "$nvcc" ]; then
    cuda_home="$(cd "$(dirname "$nvcc")/.." && pwd)"
    export CUDA_HOME="$cuda_home" CUDACXX="$nvcc" PATH="$cuda_home/bin:$PATH"
    say "CUDA toolkit $cuda_home ($("$nvcc" --version | tail -1))"
    args+=(-DCUDA_TOOLKIT_ROOT_DIR="$cuda_home" -DCUDAToolkit_ROOT="$cuda_home" -DCMAKE_CUDA_COMPILER="$nvcc")
  else
    say "warning: PyTorch is built for CUDA $torch_cuda but nvcc was not found; torch's CMake config may fail (set CUDA_HOME)"
  fi
else
  say "warning: this PyTorch has no CUDA; building a CPU-only library"
fi

mkdir -p "$BUILD_DIR"
log="$BUILD_DIR/configure.log"
configure() { cmake "${args[@]}" "$@" >"$log" 2>&1; }
if ! configure; then
  # PyTorch 2.1-2.5 link NVTX through CUDA::nvToolsExt, which CUDA 12.9+ (and some 12.x installs) no longer ship;
  # pointing torch's config at the header-only nvtx3 avoids it (pytorch/pytorch#116242, #152756).
  say "configure failed (tail below); retrying with the header-only NVTX workaround"
  tail -15 "$log" >&2
  rm -f "$BUILD_DIR/CMakeCache.txt"
  configure -DUSE_SYSTEM_NVTX=ON -Dnvtx3_dir="${CUDA_HOME:-/usr/local/cuda}/include" \
    || { tail -40 "$log" >&2; die "cmake configure failed; full log: $log"; }
fi
grep -E "simvae_native:|Caffe2: CUDA|cuDNN" "$log" >&2 || true
build() { cmake --build "$BUILD_DIR" -j "$JOBS" >"$BUILD_DIR/build.log" 2>&1; }
if ! build; then
  # The one part that includes c10/cuda headers is optional (the sync-debug check); drop it rather than fail.
  say "build failed (tail below); retrying without CUDA sync debugging (-DSVN_CUDA_SYNC_DEBUG=OFF)"
  tail -20 "$BUILD_DIR/build.log" >&2
  cmake -B "$BUILD_DIR" -DSVN_CUDA_SYNC_DEBUG=OFF >>"$log" 2>&1 && build \
    || { tail -40 "$BUILD_DIR/build.log" >&2; die "build failed; full log: $BUILD_DIR/build.log"; }
fi
lib="$BUILD_DIR/libsimvae_native.so"
[ -f "$lib" ] || die "$lib was not produced"
if [ -n "$torch_cuda" ]; then
  if ldd "$lib" | grep -q "libtorch_cuda"; then say "links libtorch_cuda: $(ldd "$lib" | grep libtorch_cuda | awk '{print $3}')"
  else say "warning: $lib does not depend on libtorch_cuda.so; libtorch will not see CUDA"; fi
fi
echo "$lib"
