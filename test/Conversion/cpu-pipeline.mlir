// dnn-cpu-pipeline takes a small network from dnn ops all the way to the
// LLVM dialect: nothing of dnn, linalg, tensor, memref, bufferization, func,
// arith, math, scf or cf is left, and tensor results became trailing memref
// out-parameters (expanded into descriptor fields) of a function returning
// nothing.
// RUN: dnn-opt %s -split-input-file --dnn-cpu-pipeline | FileCheck %s
// The same pipeline through upstream mlir-opt with the dnn plugin.
// RUN: mlir-opt %s -split-input-file --load-dialect-plugin=%dnn_lib_dir/DNNPlugin%shlibext --load-pass-plugin=%dnn_lib_dir/DNNPlugin%shlibext --pass-pipeline="builtin.module(dnn-cpu-pipeline)" | FileCheck %s

// A classifier: conv + bias + relu, max pool, global average pool, flatten,
// linear, softmax, with weights from dnn.constant.
// CHECK-NOT: {{(dnn|linalg|tensor|memref|bufferization|func|arith|math|scf|cf)\.[a-z]}}
// CHECK-NOT: unrealized_conversion_cast
// CHECK: llvm.mlir.global private constant @{{.*}}(dense<5.000000e-01> : tensor<4x3x3x3xf32>)
// Input 1x3x8x8 (allocated, aligned, offset, 4 sizes, 4 strides), then the
// 1x10 result (allocated, aligned, offset, 2 sizes, 2 strides); no result.
// CHECK-LABEL: llvm.func @main(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: i64,
// CHECK-SAME: %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64,
// CHECK-SAME: %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64,
// CHECK-SAME: %[[OUT_ALLOC:[^:]+]]: !llvm.ptr, %[[OUT_ALIGNED:[^:]+]]: !llvm.ptr, %{{[^:]+}}: i64,
// CHECK-SAME: %{{[^:]+}}: i64, %{{[^:]+}}: i64,
// CHECK-SAME: %{{[^:]+}}: i64, %{{[^:]+}}: i64) {
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
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: i64,
// CHECK-SAME: %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64,
// CHECK-SAME: %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64,
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: i64,
// CHECK-SAME: %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64,
// CHECK-SAME: %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64) {
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
