#!/usr/bin/env bash
# The sanitizer build (docs/robustness.md): dnn-mlir built with clang, ASan +
# UBSan (any report aborts), assertions on and the libFuzzer target, in its own
# build directory; then the whole lit suite runs in it.
#
#   utils/sanitize.sh            configure (once), build, run lit
#   utils/sanitize.sh --build    configure and build only (utils/fuzz.sh uses this)
#
# Environment:
#   DNN_SAN_BUILD_DIR  build directory (default: build-san)
#   LIT_OPTS           extra lit options (e.g. "-j2 --filter Runtime")
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LLVM_PREFIX=/usr/lib/llvm-22
BUILD_DIR="${DNN_SAN_BUILD_DIR:-build-san}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac

log() { printf '==> %s\n' "$*"; }

# The common set-up (apt packages, .venv) without building the default tree.
DNN_SETUP_NO_BUILD=1 ./utils/setup.sh

# clang 22 with its sanitizer and libFuzzer runtimes, from Debian.
if [[ ! -x "$LLVM_PREFIX/bin/clang++" ||
      -z "$(ls "$LLVM_PREFIX"/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ]]; then
  SUDO=(); [[ "$(id -u)" -ne 0 ]] && SUDO=(sudo)
  log "apt-get install clang-22 libclang-rt-22-dev"
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends clang-22 libclang-rt-22-dev
fi

if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  log "configuring the sanitizer build in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_C_COMPILER="$LLVM_PREFIX/bin/clang" \
    -DCMAKE_CXX_COMPILER="$LLVM_PREFIX/bin/clang++" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" \
    -DLLVM_DIR="$LLVM_PREFIX/lib/cmake/llvm" \
    -DDNN_SANITIZERS="address;undefined" \
    -DDNN_ENABLE_ASSERTIONS=ON \
    -DDNN_BUILD_FUZZER=ON \
    -DPython3_EXECUTABLE="$ROOT/.venv/bin/python" \
    -DLLVM_EXTERNAL_LIT="$LLVM_PREFIX/bin/lit"
fi
log "building $BUILD_DIR"
cmake --build "$BUILD_DIR"
[[ "${1:-}" == "--build" ]] && exit 0

log "lit under ASan + UBSan"
# shellcheck disable=SC2086
exec "$LLVM_PREFIX/bin/lit" -sv ${LIT_OPTS:-} "$BUILD_DIR/test" \
  --xunit-xml-output "$BUILD_DIR/lit-sanitized.xml"
