// dnn-cpu-pipeline takes a small network from dnn ops all the way to the
// LLVM dialect: nothing of dnn, linalg, tensor, memref, bufferization, func,
// arith, math, scf or cf is left, and tensor results became trailing memref
// out-parameters of a function returning nothing; memrefs are passed as bare
// `noalias` pointers (static shapes, identity layouts).
// RUN: dnn-opt %s -split-input-file --dnn-cpu-pipeline | FileCheck %s
// The same pipeline through upstream mlir-opt with the dnn plugin (not in
// sanitizer builds: mlir-opt carries no sanitizer runtime for the plugin).
// RUN: %if !sanitizers %{ mlir-opt %s -split-input-file --load-dialect-plugin=%dnn_lib_dir/DNNPlugin%shlibext --load-pass-plugin=%dnn_lib_dir/DNNPlugin%shlibext --pass-pipeline="builtin.module(dnn-cpu-pipeline)" | FileCheck %s %}

// A classifier: conv + bias + relu, max pool, global average pool, flatten,
// linear, softmax, with weights from dnn.constant.
// CHECK-NOT: {{(dnn|linalg|tensor|memref|bufferization|func|arith|math|scf|cf)\.[a-z]}}
// CHECK-NOT: unrealized_conversion_cast
// CHECK: llvm.mlir.global private constant @{{.*}}(dense<5.000000e-01> : tensor<4x3x3x3xf32>)
// One pointer for the 1x3x8x8 input, one for the 1x10 result; no result.
// CHECK-LABEL: llvm.func @main(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr {llvm.noalias}, %{{[^:]+}}: !llvm.ptr {llvm.noalias}) {
// CHECK-NOT: {{(dnn|linalg|tensor|memref|bufferization|func|arith|math|scf|cf)\.[a-z]}}
// CHECK-NOT: unrealized_conversion_cast
// CHECK: llvm.intr.exp
// CHECK-NOT: {{(dnn|linalg|tensor|memref|bufferization|func|arith|math|scf|cf)\.[a-z]}}
// CHECK-NOT: unrealized_conversion_cast
// CHECK: llvm.return{{$}}
// CHECK-NOT: {{(dnn|linalg|tensor|memref|bufferization|func|arith|math|scf|cf)\.[a-z]}}
// CHECK-NOT: unrealized_conversion_cast
func.func @main(%x: tensor<1x3x8x8xf32>) -> tensor<1x10xf32> {
  %w = dnn.constant dense<0.5> : tensor<4x3x3x3xf32>
  %b = dnn.constant dense<0.1> : tensor<4xf32>
  %y = dnn.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %r = dnn.activation relu %y : tensor<1x4x8x8xf32>
  %p = dnn.max_pool2d %r {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  %g = dnn.global_avg_pool %p : tensor<1x4x4x4xf32> -> tensor<1x4x1x1xf32>
  %f = dnn.flatten %g : tensor<1x4x1x1xf32> -> tensor<1x4xf32>
  %lw = dnn.constant dense<0.25> : tensor<10x4xf32>
  %l = dnn.linear %f, %lw : (tensor<1x4xf32>, tensor<10x4xf32>) -> tensor<1x10xf32>
  %s = dnn.softmax %l {axis = 1 : i64} : tensor<1x10xf32>
  return %s : tensor<1x10xf32>
}

// -----

// A residual block: batch norm, gelu (erf becomes a libm call), add.
// CHECK-NOT: {{(dnn|linalg|tensor|memref|bufferization|func|arith|math|scf|cf)\.[a-z]}}
// CHECK: llvm.func @erff(f32) -> f32
// CHECK-LABEL: llvm.func @main(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr {llvm.noalias}, %{{[^:]+}}: !llvm.ptr {llvm.noalias}) {
// CHECK-NOT: {{(dnn|linalg|tensor|memref|bufferization|func|arith|math|scf|cf)\.[a-z]}}
// CHECK: llvm.call @erff
// CHECK: llvm.return{{$}}
// CHECK-NOT: {{(dnn|linalg|tensor|memref|bufferization|func|arith|math|scf|cf)\.[a-z]}}
// CHECK-NOT: unrealized_conversion_cast
func.func @main(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32> {
  %s = dnn.constant dense<1.0> : tensor<4xf32>
  %o = dnn.constant dense<0.0> : tensor<4xf32>
  %y = dnn.batch_norm %x, %s, %o, %o, %s : tensor<1x4x6x6xf32>, tensor<4xf32>
  %g = dnn.activation gelu %y : tensor<1x4x6x6xf32>
  %a = dnn.add %g, %x : tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>
  return %a : tensor<1x4x6x6xf32>
}

// -----

// The same buffer returned twice gets a copy of its own (upstream
// buffer-results-to-out-params would otherwise read an erased alloc).
// CHECK-LABEL: llvm.func @twice(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr {llvm.noalias}, %[[OUT0:[^:]+]]: !llvm.ptr {llvm.noalias}, %[[OUT1:[^:]+]]: !llvm.ptr {llvm.noalias}) {
// CHECK: llvm.intr.memcpy
// CHECK: llvm.return{{$}}
func.func @twice(%a: tensor<4xf64>) -> (tensor<4xf64>, tensor<4xf64>) {
  %r = dnn.activation tanh %a : tensor<4xf64>
  return %r, %r : tensor<4xf64>, tensor<4xf64>
}
