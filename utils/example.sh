#!/usr/bin/env bash
# Build dnn-mlir (utils/setup.sh), then run the main job on the bundled
# example (examples/resnet_block.mlir) for an H100: attach the target, choose
# each layer's mapping, predict per-layer latency/energy. Prints the per-layer
# table; writes the annotated IR and the JSON report to build/example/. Then
# runs the example on the CPU reference path (dnn-run, seeded random input)
# and writes its output to build/example/cpu/out0.npy, and compiles it into a
# GPU model library (build/example/gpu/resnet_block.so, run on a GPU when
# there is one).
# Extra arguments are passed on to dnn-opt (e.g. --dnn-attach-target=gpu=a100
# after the defaults replaces the target).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${DNN_BUILD_DIR:-build}"

./utils/setup.sh >&2

OUT="$BUILD_DIR/example"
mkdir -p "$OUT"
"$BUILD_DIR/bin/dnn-opt" examples/resnet_block.mlir \
  --dnn-attach-target=gpu=h100 "$@" \
  --dnn-assign-mapping --dnn-predict=report="$OUT/report.json" \
  --mlir-print-debuginfo -o "$OUT/resnet_block.annotated.mlir"
"$BUILD_DIR/bin/dnn-opt" "$OUT/resnet_block.annotated.mlir" \
  --dnn-predict=report=- -o /dev/null
echo
echo "CPU reference run (dnn-run, random input, seed 0):"
"$BUILD_DIR/bin/dnn-run" examples/resnet_block.mlir --seed=0 --repeat=10 \
  --output-dir="$OUT/cpu"
echo
echo "GPU model library (dnn-compile: dnn-gpu-pipeline, PTX for sm_90):"
if [ -x "$BUILD_DIR/bin/dnn-compile" ] && [ -f "$BUILD_DIR/lib/libDNNCudaRuntime.a" ]; then
  "$BUILD_DIR/bin/dnn-compile" examples/resnet_block.mlir --target=h100 \
    -o "$OUT/gpu/resnet_block.so"
  "$BUILD_DIR/bin/dnn-bench" "$OUT/gpu/resnet_block.so" --manifest
  if [ -e /dev/nvidia0 ]; then
    echo
    echo "GPU run against the CPU output (dnn-run --on-device=cuda, seed 0):"
    "$BUILD_DIR/bin/dnn-run" examples/resnet_block.mlir --seed=0 \
      --on-device=cuda --repeat=10 --compare="$OUT/cpu/out0.npy" --rtol=1e-4 \
      --atol=1e-6
  else
    echo "(no GPU here: run it where there is one with" \
         "dnn-bench $OUT/gpu/resnet_block.so)"
  fi
else
  echo "(the CUDA runtime was not built: no CUDA toolkit found at configure time)"
fi
echo
echo "annotated IR: $OUT/resnet_block.annotated.mlir"
echo "JSON report:  $OUT/report.json"
echo "CPU output:   $OUT/cpu/out0.npy"
