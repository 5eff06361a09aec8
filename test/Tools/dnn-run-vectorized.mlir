// The CPU backend compiles with LLVM -O3 for the host, and the convolution
// loops that dnn-cpu-loop-order shapes come out as packed vector arithmetic
// (x86: mulps/vfmadd...ps; AArch64: fmla/fmul on v registers). With linalg's
// default loop order there is far less of it. A guard against losing the
// optimizing pipeline (it once ran dangling, leaving every loop scalar).
// RUN: rm -rf %t && mkdir -p %t
// RUN: dnn-run %s --dump-object=%t/conv.o
// RUN: llvm-objdump -d %t/conv.o | FileCheck %s
// CHECK-COUNT-24: {{(mulps|fmadd[0-9]*ps|fmla[[:space:]]+v|fmul[[:space:]]+v)}}

func.func @main(%x: tensor<1x16x34x34xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<1x16x32x32xf32> {
  %y = dnn.conv2d %x, %w : (tensor<1x16x34x34xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x32x32xf32>
  %r = dnn.activation relu %y : tensor<1x16x32x32xf32>
  return %r : tensor<1x16x32x32xf32>
}
