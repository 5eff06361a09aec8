// RUN: dnn-opt %s -split-input-file --dnn-lower-to-linalg | FileCheck %s

// dnn.flatten and dnn.reshape become tensor.collapse_shape/expand_shape
// (row-major order is preserved by construction; only the result shapes
// are checked where several reshape chains would do); dnn.concat becomes a
// tensor.empty filled by one tensor.insert_slice per input at increasing
// offsets along the axis.

// CHECK-LABEL: func.func @flatten_axis2
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4x5xf32>)
// CHECK-NOT: linalg.
// CHECK: tensor.collapse_shape %[[X]]
// CHECK: %[[Y:.*]] = tensor.{{collapse|expand}}_shape {{.*}} into tensor<6x20xf32>
// CHECK-NEXT: return %[[Y]] : tensor<6x20xf32>
func.func @flatten_axis2(%x: tensor<2x3x4x5xf32>) -> tensor<6x20xf32> {
  %y = dnn.flatten %x {axis = 2 : i64} : tensor<2x3x4x5xf32> -> tensor<6x20xf32>
  return %y : tensor<6x20xf32>
}

// -----

// Default axis 1 (the classifier-head case).
// CHECK-LABEL: func.func @flatten_default_axis
// CHECK-SAME: (%[[X:.*]]: tensor<1x512x1x1xf32>)
// CHECK: tensor.collapse_shape %[[X]]
// CHECK: %[[Y:.*]] = tensor.{{collapse|expand}}_shape {{.*}} into tensor<1x512xf32>
// CHECK-NEXT: return %[[Y]] : tensor<1x512xf32>
func.func @flatten_default_axis(%x: tensor<1x512x1x1xf32>) -> tensor<1x512xf32> {
  %y = dnn.flatten %x : tensor<1x512x1x1xf32> -> tensor<1x512xf32>
  return %y : tensor<1x512xf32>
}

// -----

// axis = 0: the outer product is empty (1).
// CHECK-LABEL: func.func @flatten_axis0
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[Y:.*]] = tensor.{{collapse|expand}}_shape {{.*}} into tensor<1x6xf32>
// CHECK-NEXT: return %[[Y]] : tensor<1x6xf32>
func.func @flatten_axis0(%x: tensor<2x3xf32>) -> tensor<1x6xf32> {
  %y = dnn.flatten %x {axis = 0 : i64} : tensor<2x3xf32> -> tensor<1x6xf32>
  return %y : tensor<1x6xf32>
}

// -----

// axis = rank: the inner product is empty (1).
// CHECK-LABEL: func.func @flatten_axis_rank
// CHECK: %[[Y:.*]] = tensor.{{collapse|expand}}_shape {{.*}} into tensor<6x1xf32>
// CHECK-NEXT: return %[[Y]] : tensor<6x1xf32>
func.func @flatten_axis_rank(%x: tensor<2x3xf32>) -> tensor<6x1xf32> {
  %y = dnn.flatten %x {axis = 2 : i64} : tensor<2x3xf32> -> tensor<6x1xf32>
  return %y : tensor<6x1xf32>
}

// -----

// A 1-D input needs a single expand_shape.
// CHECK-LABEL: func.func @flatten_rank1
// CHECK-SAME: (%[[X:.*]]: tensor<5xf32>)
// CHECK: %[[Y:.*]] = tensor.expand_shape %[[X]] {{\[}}[0, 1]] output_shape [5, 1] : tensor<5xf32> into tensor<5x1xf32>
// CHECK-NEXT: return %[[Y]] : tensor<5x1xf32>
func.func @flatten_rank1(%x: tensor<5xf32>) -> tensor<5x1xf32> {
  %y = dnn.flatten %x : tensor<5xf32> -> tensor<5x1xf32>
  return %y : tensor<5x1xf32>
}

// -----

// Already 2-D with the same shape: no op at all.
// CHECK-LABEL: func.func @flatten_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]] : tensor<2x3xf32>
func.func @flatten_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = dnn.flatten %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_2d
// CHECK-SAME: (%[[X:.*]]: tensor<2x6xf32>)
// CHECK-NOT: linalg.
// CHECK: tensor.collapse_shape %[[X]]
// CHECK: %[[Y:.*]] = tensor.expand_shape {{.*}} into tensor<3x4xf32>
// CHECK-NEXT: return %[[Y]] : tensor<3x4xf32>
func.func @reshape_2d(%x: tensor<2x6xf32>) -> tensor<3x4xf32> {
  %y = dnn.reshape %x : tensor<2x6xf32> -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_to_1d
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK-NEXT: return %[[Y]] : tensor<6xf32>
func.func @reshape_to_1d(%x: tensor<2x3xf32>) -> tensor<6xf32> {
  %y = dnn.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  return %y : tensor<6xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_from_1d
// CHECK-SAME: (%[[X:.*]]: tensor<6xf32>)
// CHECK: %[[Y:.*]] = tensor.expand_shape %[[X]] {{\[}}[0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
// CHECK-NEXT: return %[[Y]] : tensor<3x2xf32>
func.func @reshape_from_1d(%x: tensor<6xf32>) -> tensor<3x2xf32> {
  %y = dnn.reshape %x : tensor<6xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Rank 0 -> rank 1: expand_shape with an empty reassociation.
// CHECK-LABEL: func.func @reshape_rank0_to_rank1
// CHECK-SAME: (%[[X:.*]]: tensor<f32>)
// CHECK: %[[Y:.*]] = tensor.expand_shape %[[X]] [] output_shape [1] : tensor<f32> into tensor<1xf32>
// CHECK-NEXT: return %[[Y]] : tensor<1xf32>
func.func @reshape_rank0_to_rank1(%x: tensor<f32>) -> tensor<1xf32> {
  %y = dnn.reshape %x : tensor<f32> -> tensor<1xf32>
  return %y : tensor<1xf32>
}

// -----

// Rank 0 -> 1x1.
// CHECK-LABEL: func.func @reshape_rank0_to_rank2
// CHECK-SAME: (%[[X:.*]]: tensor<f32>)
// CHECK: tensor.expand_shape %[[X]] []
// CHECK: %[[Y:.*]] = tensor.expand_shape {{.*}} into tensor<1x1xf32>
// CHECK-NEXT: return %[[Y]] : tensor<1x1xf32>
func.func @reshape_rank0_to_rank2(%x: tensor<f32>) -> tensor<1x1xf32> {
  %y = dnn.reshape %x : tensor<f32> -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// Rank 1 -> rank 0: collapse_shape with an empty reassociation.
// CHECK-LABEL: func.func @reshape_rank1_to_rank0
// CHECK-SAME: (%[[X:.*]]: tensor<1xf16>)
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[X]] [] : tensor<1xf16> into tensor<f16>
// CHECK-NEXT: return %[[Y]] : tensor<f16>
func.func @reshape_rank1_to_rank0(%x: tensor<1xf16>) -> tensor<f16> {
  %y = dnn.reshape %x : tensor<1xf16> -> tensor<f16>
  return %y : tensor<f16>
}

// -----

// 1x1x1 -> rank 0.
// CHECK-LABEL: func.func @reshape_rank3_to_rank0
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x1xf16>)
// CHECK: tensor.collapse_shape %[[X]]
// CHECK: %[[Y:.*]] = tensor.collapse_shape {{.*}} [] : tensor<1xf16> into tensor<f16>
// CHECK-NEXT: return %[[Y]] : tensor<f16>
func.func @reshape_rank3_to_rank0(%x: tensor<1x1x1xf16>) -> tensor<f16> {
  %y = dnn.reshape %x : tensor<1x1x1xf16> -> tensor<f16>
  return %y : tensor<f16>
}

// -----

// Rank 0 to rank 0: nothing to do.
// CHECK-LABEL: func.func @reshape_rank0_identity
// CHECK-SAME: (%[[X:.*]]: tensor<f16>)
// CHECK-NEXT: return %[[X]] : tensor<f16>
func.func @reshape_rank0_identity(%x: tensor<f16>) -> tensor<f16> {
  %y = dnn.reshape %x : tensor<f16> -> tensor<f16>
  return %y : tensor<f16>
}

// -----

// Concat along the channel axis: offsets 0, 2, 2 + 3 = 5 along dim 1, each
// slice the full input shape, unit strides.
// CHECK-LABEL: func.func @concat_axis1
// CHECK-SAME: (%[[A:.*]]: tensor<1x2x4xf32>, %[[B:.*]]: tensor<1x3x4xf32>, %[[C:.*]]: tensor<1x1x4xf32>)
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x6x4xf32>
// CHECK: %[[S0:.*]] = tensor.insert_slice %[[A]] into %[[EMPTY]][0, 0, 0] [1, 2, 4] [1, 1, 1] : tensor<1x2x4xf32> into tensor<1x6x4xf32>
// CHECK: %[[S1:.*]] = tensor.insert_slice %[[B]] into %[[S0]][0, 2, 0] [1, 3, 4] [1, 1, 1] : tensor<1x3x4xf32> into tensor<1x6x4xf32>
// CHECK: %[[S2:.*]] = tensor.insert_slice %[[C]] into %[[S1]][0, 5, 0] [1, 1, 4] [1, 1, 1] : tensor<1x1x4xf32> into tensor<1x6x4xf32>
// CHECK: return %[[S2]] : tensor<1x6x4xf32>
func.func @concat_axis1(%a: tensor<1x2x4xf32>, %b: tensor<1x3x4xf32>, %c: tensor<1x1x4xf32>) -> tensor<1x6x4xf32> {
  %y = dnn.concat %a, %b, %c {axis = 1 : i64} : (tensor<1x2x4xf32>, tensor<1x3x4xf32>, tensor<1x1x4xf32>) -> tensor<1x6x4xf32>
  return %y : tensor<1x6x4xf32>
}

// -----

// Along axis 0.
// CHECK-LABEL: func.func @concat_axis0
// CHECK-SAME: (%[[A:.*]]: tensor<2x4xf16>, %[[B:.*]]: tensor<3x4xf16>)
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<5x4xf16>
// CHECK: %[[S0:.*]] = tensor.insert_slice %[[A]] into %[[EMPTY]][0, 0] [2, 4] [1, 1] : tensor<2x4xf16> into tensor<5x4xf16>
// CHECK: %[[S1:.*]] = tensor.insert_slice %[[B]] into %[[S0]][2, 0] [3, 4] [1, 1] : tensor<3x4xf16> into tensor<5x4xf16>
// CHECK: return %[[S1]] : tensor<5x4xf16>
func.func @concat_axis0(%a: tensor<2x4xf16>, %b: tensor<3x4xf16>) -> tensor<5x4xf16> {
  %y = dnn.concat %a, %b {axis = 0 : i64} : (tensor<2x4xf16>, tensor<3x4xf16>) -> tensor<5x4xf16>
  return %y : tensor<5x4xf16>
}

// -----

// Along the last axis (the offsets move in the innermost dim).
// CHECK-LABEL: func.func @concat_last_axis
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x4xf32>)
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x7xf32>
// CHECK: %[[S0:.*]] = tensor.insert_slice %[[A]] into %[[EMPTY]][0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x7xf32>
// CHECK: %[[S1:.*]] = tensor.insert_slice %[[B]] into %[[S0]][0, 3] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<2x7xf32>
// CHECK: return %[[S1]] : tensor<2x7xf32>
func.func @concat_last_axis(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<2x7xf32> {
  %y = dnn.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x7xf32>
  return %y : tensor<2x7xf32>
}

// -----

// A single input is copied whole.
// CHECK-LABEL: func.func @concat_single
// CHECK-SAME: (%[[A:.*]]: tensor<2x4xf32>)
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x4xf32>
// CHECK: %[[S0:.*]] = tensor.insert_slice %[[A]] into %[[EMPTY]][0, 0] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<2x4xf32>
// CHECK: return %[[S0]] : tensor<2x4xf32>
func.func @concat_single(%a: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %y = dnn.concat %a {axis = 1 : i64} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// dnn.transpose is a linalg.transpose with the same permutation.
// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xbf16>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x2x3xbf16>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[X]] : tensor<2x3x4xbf16>) outs(%[[E]] : tensor<4x2x3xbf16>) permutation = [2, 0, 1]
// CHECK: return %[[T]]
func.func @transpose(%x: tensor<2x3x4xbf16>) -> tensor<4x2x3xbf16> {
  %y = dnn.transpose %x {permutation = array<i64: 2, 0, 1>} : tensor<2x3x4xbf16> -> tensor<4x2x3xbf16>
  return %y : tensor<4x2x3xbf16>
}
