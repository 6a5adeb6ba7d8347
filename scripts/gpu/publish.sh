#!/usr/bin/env bash
# Publishes the GPU checks + benchmark app (bench/gpu) self-contained for linux-x64, so it runs where .NET is not
# installed (the GPU machine):
#
#   scripts/gpu/publish.sh                     # -> artifacts/gpu/bundle/ and artifacts/gpu/bundle.tar.gz
#   TORCH_BACKEND=none scripts/gpu/publish.sh  # without libtorch (see below)
#
# TORCH_BACKEND (bench/gpu's TorchBackend property):
#   cuda  (default) TorchSharp-cuda-linux: libtorch with CUDA travels in the bundle (several GB); nothing else needed.
#   none  no libtorch in the bundle (~95 MB, ~40 MB as tar.gz): the GPU machine supplies torch_cuda and a
#         libLibTorchSharp.so built for its libtorch (put it in the bundle folder); scripts/gpu/run.sh then puts the
#         local PyTorch's lib folder on LD_LIBRARY_PATH.
#   cpu   libtorch-cpu-linux-x64 (smoke runs without a GPU).
# Not trimmed: the library serialises bundles with System.Text.Json's reflection-based polymorphism.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${OUT_DIR:-$root/artifacts/gpu}"
backend="${TORCH_BACKEND:-cuda}"
rm -rf "$out/bundle" "$out/bundle.tar.gz"
mkdir -p "$out"
dotnet publish "$root/bench/gpu/SimVae.Bench.Gpu.csproj" -c Release -r linux-x64 --self-contained true \
  -p:TorchBackend="$backend" -p:PublishTrimmed=false -o "$out/bundle" --nologo -v quiet -clp:ErrorsOnly
rm -f "$out/bundle"/*.pdb
if [ "$backend" = none ]; then
  # TorchSharp's own libLibTorchSharp.so is built for its libtorch (2.10); the GPU machine brings one for its own.
  rm -f "$out/bundle/libLibTorchSharp.so"
fi
tar -C "$out" -czf "$out/bundle.tar.gz" bundle
echo "published ($backend): $out/bundle ($(du -sh "$out/bundle" | cut -f1)), $out/bundle.tar.gz ($(du -sh "$out/bundle.tar.gz" | cut -f1))"
