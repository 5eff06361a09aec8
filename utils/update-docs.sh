#!/usr/bin/env bash
# Regenerate the reference docs from the .td files and copy them into
# docs/reference/ (run after changing ops, attributes or passes).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${DNN_BUILD_DIR:-$ROOT/build}"
cmake --build "$BUILD_DIR" --target mlir-doc
mkdir -p "$ROOT/docs/reference"
cp "$BUILD_DIR/docs/Dialects/DNNDialect.md" "$ROOT/docs/reference/DNNDialect.md"
cp "$BUILD_DIR/docs/DNNPasses.md" "$ROOT/docs/reference/DNNPasses.md"
cp "$BUILD_DIR/docs/DNNConversionPasses.md" "$ROOT/docs/reference/DNNConversionPasses.md"
echo "docs/reference updated from $BUILD_DIR/docs"
