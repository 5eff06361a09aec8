// RUN: dnn-opt %s --split-input-file --dnn-fuse-epilogues | FileCheck %s
// The model prices the fused op as one kernel: the epilogue ops cost 0.
// RUN: dnn-opt %s --split-input-file --dnn-attach-target=gpu=h100 --dnn-fuse-epilogues --dnn-assign-mapping --dnn-predict | FileCheck %s --check-prefix=COST

// conv -> add(residual) -> relu: one dnn.fused, the residual an operand.
// CHECK-LABEL: func.func @residual
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x6x6xf32>, %[[W:.*]]: tensor<8x8x3x3xf32>, %[[B:.*]]: tensor<8xf32>, %[[R:.*]]: tensor<1x8x6x6xf32>)
// CHECK: %[[F:.*]] = dnn.fused %[[X]], %[[W]], %[[B]], %[[R]] : (tensor<1x8x6x6xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>, tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xf32> {
// CHECK-NEXT: ^bb0(%[[A0:.*]]: tensor<1x8x6x6xf32>, %[[A1:.*]]: tensor<8x8x3x3xf32>, %[[A2:.*]]: tensor<8xf32>, %[[A3:.*]]: tensor<1x8x6x6xf32>):
// CHECK-NEXT: %[[C:.*]] = dnn.conv2d %[[A0]], %[[A1]], %[[A2]]
// CHECK-NEXT: %[[S:.*]] = dnn.add %[[A3]], %[[C]]
// CHECK-NEXT: %[[Y:.*]] = dnn.activation relu %[[S]]
// CHECK-NEXT: dnn.yield %[[Y]]
// CHECK: return %[[F]]
// COST-LABEL: func.func @residual
// COST: dnn.fused
// COST: dnn.conv2d {{.*}}dnn.cost = #dnn.cost<latency_us = {{[1-9]}}
// COST: dnn.add {{.*}}dnn.cost = #dnn.cost<latency_us = 0.0,
// COST: dnn.activation {{.*}}dnn.cost = #dnn.cost<latency_us = 0.0,
func.func @residual(%x: tensor<1x8x6x6xf32>, %w: tensor<8x8x3x3xf32>, %b: tensor<8xf32>, %r: tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xf32> {
  %c = dnn.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x8x6x6xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>) -> tensor<1x8x6x6xf32>
  %s = dnn.add %r, %c : tensor<1x8x6x6xf32>, tensor<1x8x6x6xf32>
  %y = dnn.activation relu %s : tensor<1x8x6x6xf32>
  return %y : tensor<1x8x6x6xf32>
}

// -----

// linear -> gelu.
// CHECK-LABEL: func.func @linear_act
// CHECK: dnn.fused
// CHECK: dnn.linear
// CHECK-NEXT: dnn.activation gelu
// CHECK-NEXT: dnn.yield
func.func @linear_act(%x: tensor<4x16xf32>, %w: tensor<32x16xf32>) -> tensor<4x32xf32> {
  %l = dnn.linear %x, %w : (tensor<4x16xf32>, tensor<32x16xf32>) -> tensor<4x32xf32>
  %y = dnn.activation gelu %l : tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Not fused: the GEMM result has a second user; a broadcast add.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT: dnn.fused
// CHECK: dnn.linear
// CHECK: dnn.add
// CHECK: dnn.linear
// CHECK: dnn.add
// CHECK-NOT: dnn.fused
func.func @not_fused(%x: tensor<4x16xf32>, %w: tensor<32x16xf32>, %v: tensor<32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>, tensor<4x32xf32>) {
  %l = dnn.linear %x, %w : (tensor<4x16xf32>, tensor<32x16xf32>) -> tensor<4x32xf32>
  %y = dnn.add %l, %l : tensor<4x32xf32>, tensor<4x32xf32>
  %m = dnn.linear %x, %w : (tensor<4x16xf32>, tensor<32x16xf32>) -> tensor<4x32xf32>
  %z = dnn.add %m, %v : tensor<4x32xf32>, tensor<32xf32>
  return %y, %z, %l : tensor<4x32xf32>, tensor<4x32xf32>, tensor<4x32xf32>
}
