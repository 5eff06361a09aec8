#!/usr/bin/env bash
# Build dnn-mlir (utils/setup.sh) and run dnn-opt on the example ResNet block,
# attaching the H100 SXM target. The transformed IR is printed on stdout; the
# setup/build log goes to stderr. Extra arguments are passed on to dnn-opt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${DNN_BUILD_DIR:-build}"

./utils/setup.sh >&2

exec "$BUILD_DIR/bin/dnn-opt" examples/resnet_block.mlir --dnn-attach-target=gpu=h100-sxm "$@"
