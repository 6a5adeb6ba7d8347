#!/usr/bin/env bash
# Publishes the GPU checks + benchmarks app (bench/gpu) self-contained for linux-x64, so it runs where .NET is not
# installed (the GPU machine):
#
#   scripts/gpu/publish.sh        # -> artifacts/gpu/bundle/ and artifacts/gpu/bundle.tar.gz (carry the tarball)
#
# Not trimmed: the library serialises model bundles with System.Text.Json's reflection-based polymorphism
# ([JsonPolymorphic]/[JsonDerivedType] on SslOptions) and binds P/Invoke through source-generated LibraryImport;
# trimming would need per-type annotations to be safe and saves nothing that matters next to a 2 GB PyTorch.
# The tarball (~30 MB) is what travels; scripts/gpu/run.sh unpacks it.
# The native library is NOT included: it must be built on the GPU machine against its own CUDA libtorch
# (scripts/gpu/build-native.sh, which scripts/gpu/run.sh calls).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${OUT_DIR:-$root/artifacts/gpu}"
rm -rf "$out/bundle" "$out/bundle.tar.gz"
mkdir -p "$out"
dotnet publish "$root/bench/gpu/SimVae.Bench.Gpu.csproj" -c Release -r linux-x64 --self-contained true \
  -p:PublishTrimmed=false -p:PublishSingleFile=false -o "$out/bundle" --nologo -v quiet -clp:ErrorsOnly
# The library built here links this machine's libtorch (Debian's, CPU); the GPU machine builds its own.
rm -f "$out/bundle/libsimvae_native.so"
cat > "$out/bundle/README.txt" <<'TXT'
SimVae.Bench.Gpu, self-contained (no .NET needed). Run from the repository root on the GPU machine:
  scripts/gpu/run.sh
It builds libsimvae_native.so against the local PyTorch (scripts/gpu/build-native.sh), points
SIMVAE_NATIVE_LIBRARY at it, runs the GPU checks, then bench/run gpu. See docs/gpu.md.
TXT
tar -C "$out" -czf "$out/bundle.tar.gz" bundle
echo "published: $out/bundle ($(du -sh "$out/bundle" | cut -f1)), $out/bundle.tar.gz ($(du -sh "$out/bundle.tar.gz" | cut -f1))"
