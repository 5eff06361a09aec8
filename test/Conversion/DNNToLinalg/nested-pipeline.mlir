// The pass is not tied to builtin.module: it also runs nested on func.func,
// and converts every function of the module.
// RUN: dnn-opt %s --pass-pipeline='builtin.module(func.func(dnn-lower-to-linalg))' | FileCheck %s
// RUN: dnn-opt %s --pass-pipeline='builtin.module(dnn-lower-to-linalg)' | FileCheck %s

// CHECK-NOT: dnn.
// CHECK-LABEL: func.func @first
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[W:.*]]: tensor<16x8xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}]
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<4x8xf32>, tensor<16x8xf32>)
// CHECK: %[[Y:.*]] = linalg.generic
// CHECK-SAME: ins(%[[MM]] : tensor<4x16xf32>)
// CHECK: arith.maximumf
// CHECK: return %[[Y]] : tensor<4x16xf32>
func.func @first(%x: tensor<4x8xf32>, %w: tensor<16x8xf32>) -> tensor<4x16xf32> {
  %y = dnn.linear %x, %w : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %r = dnn.activation relu %y : tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// CHECK-NOT: dnn.
// CHECK-LABEL: func.func @second
// CHECK: arith.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK-NOT: dnn.
func.func @second(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = dnn.constant dense<1.0> : tensor<4xf32>
  %y = dnn.add %x, %c : tensor<4xf32>, tensor<4xf32>
  return %y : tensor<4xf32>
}
