// RUN: dnn-opt %s -split-input-file --dnn-lower-to-linalg | FileCheck %s

// dnn.add: one element-wise linalg.generic over the result shape. A size-1
// dim of an operand that broadcasts is collapsed away and skipped by the
// operand's (projected) map; missing leading dims are never indexed.

// Equal shapes: identity maps, no reshapes. Unit dims that do not
// broadcast (N = 1 here) are kept.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @add_equal_shapes
// CHECK-SAME: (%[[A:.*]]: tensor<1x4x5x5xf32>, %[[B:.*]]: tensor<1x4x5x5xf32>)
// CHECK-NOT: tensor.collapse_shape
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x4x5x5xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<1x4x5x5xf32>, tensor<1x4x5x5xf32>) outs(%[[EMPTY]] : tensor<1x4x5x5xf32>)
// CHECK-NEXT: ^bb0(%[[L:.*]]: f32, %[[R:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[L]], %[[R]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: return %[[Y]] : tensor<1x4x5x5xf32>
func.func @add_equal_shapes(%a: tensor<1x4x5x5xf32>, %b: tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32> {
  %y = dnn.add %a, %b : tensor<1x4x5x5xf32>, tensor<1x4x5x5xf32>
  return %y : tensor<1x4x5x5xf32>
}

// -----

// Per-channel broadcast: 1x4x1x1 against 2x4x5x5 keeps only C, indexed d1.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @add_broadcast_channel
// CHECK-SAME: (%[[A:.*]]: tensor<2x4x5x5xf32>, %[[B:.*]]: tensor<1x4x1x1xf32>)
// CHECK: %[[B1:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1, 2, 3]] : tensor<1x4x1x1xf32> into tensor<4xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B1]] : tensor<2x4x5x5xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<2x4x5x5xf32>)
// CHECK: arith.addf
// CHECK: return %[[Y]]
func.func @add_broadcast_channel(%a: tensor<2x4x5x5xf32>, %b: tensor<1x4x1x1xf32>) -> tensor<2x4x5x5xf32> {
  %y = dnn.add %a, %b : tensor<2x4x5x5xf32>, tensor<1x4x1x1xf32>
  return %y : tensor<2x4x5x5xf32>
}

// -----

// Both operands broadcast (outer sum): 3x1 + 1x4 -> 3x4.
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[COLS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @add_broadcast_both
// CHECK-SAME: (%[[A:.*]]: tensor<3x1xf32>, %[[B:.*]]: tensor<1x4xf32>)
// CHECK-DAG: %[[A1:.*]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1]] : tensor<3x1xf32> into tensor<3xf32>
// CHECK-DAG: %[[B1:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1]] : tensor<1x4xf32> into tensor<4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ROWS]], #[[COLS]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[A1]], %[[B1]] : tensor<3xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<3x4xf32>)
func.func @add_broadcast_both(%a: tensor<3x1xf32>, %b: tensor<1x4xf32>) -> tensor<3x4xf32> {
  %y = dnn.add %a, %b : tensor<3x1xf32>, tensor<1x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// A broadcast unit dim between kept dims: 2x1x5 -> groups [[0, 1], [2]],
// map (d0, d2); the rank-2 rhs 3x1 is right-aligned: it indexes d1 only.
// CHECK-DAG: #[[L:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[R:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @add_broadcast_middle
// CHECK-SAME: (%[[A:.*]]: tensor<2x1x5xf32>, %[[B:.*]]: tensor<3x1xf32>)
// CHECK-DAG: %[[A1:.*]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1], [2]] : tensor<2x1x5xf32> into tensor<2x5xf32>
// CHECK-DAG: %[[B1:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1]] : tensor<3x1xf32> into tensor<3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[L]], #[[R]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[A1]], %[[B1]] : tensor<2x5xf32>, tensor<3xf32>) outs(%{{.*}} : tensor<2x3x5xf32>)
func.func @add_broadcast_middle(%a: tensor<2x1x5xf32>, %b: tensor<3x1xf32>) -> tensor<2x3x5xf32> {
  %y = dnn.add %a, %b : tensor<2x1x5xf32>, tensor<3x1xf32>
  return %y : tensor<2x3x5xf32>
}

// -----

// Rank extension without unit dims: a 1-D bias over the last dim, no reshape.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[LAST:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @add_rank_extension
// CHECK-SAME: (%[[A:.*]]: tensor<2x3x4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[LAST]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x3x4xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<2x3x4xf32>)
func.func @add_rank_extension(%a: tensor<2x3x4xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %y = dnn.add %a, %b : tensor<2x3x4xf32>, tensor<4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// Rank extension where the result keeps unit dims: 3x1 against 1x3x1 keeps
// both of its dims (the output's are 1 too), indexed (d1, d2).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[TAIL:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @add_rank_extension_unit
// CHECK-SAME: (%[[A:.*]]: tensor<1x3x1xf32>, %[[B:.*]]: tensor<3x1xf32>)
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[TAIL]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<1x3x1xf32>, tensor<3x1xf32>) outs(%{{.*}} : tensor<1x3x1xf32>)
func.func @add_rank_extension_unit(%a: tensor<1x3x1xf32>, %b: tensor<3x1xf32>) -> tensor<1x3x1xf32> {
  %y = dnn.add %a, %b : tensor<1x3x1xf32>, tensor<3x1xf32>
  return %y : tensor<1x3x1xf32>
}

// -----

// An all-ones f16 lhs broadcasts to every element: collapsed to rank 0, with
// an empty map; the sum is computed in f32 and rounded.
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1, d2) -> ()>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @add_scalar_like_f16
// CHECK-SAME: (%[[A:.*]]: tensor<1x1xf16>, %[[B:.*]]: tensor<2x3x4xf16>)
// CHECK: %[[A0:.*]] = tensor.collapse_shape %[[A]] [] : tensor<1x1xf16> into tensor<f16>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[SCALAR]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[A0]], %[[B]] : tensor<f16>, tensor<2x3x4xf16>) outs(%{{.*}} : tensor<2x3x4xf16>)
// CHECK-NEXT: ^bb0(%[[L:.*]]: f16, %[[R:.*]]: f16, %{{.*}}: f16):
// CHECK-DAG: %[[LE:.*]] = arith.extf %[[L]] : f16 to f32
// CHECK-DAG: %[[RE:.*]] = arith.extf %[[R]] : f16 to f32
// CHECK: %[[S:.*]] = arith.addf %[[LE]], %[[RE]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[S]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: return %[[Y]] : tensor<2x3x4xf16>
func.func @add_scalar_like_f16(%a: tensor<1x1xf16>, %b: tensor<2x3x4xf16>) -> tensor<2x3x4xf16> {
  %y = dnn.add %a, %b : tensor<1x1xf16>, tensor<2x3x4xf16>
  return %y : tensor<2x3x4xf16>
}

// -----

// dnn.mul lowers like dnn.add, with arith.mulf: the broadcast gate of shape
// 1x4x1x1 collapses to its 4 channels, indexed by d1.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @mul_gate
// CHECK-SAME: (%[[A:.*]]: tensor<2x4x3x3xf32>, %[[G:.*]]: tensor<1x4x1x1xf32>)
// CHECK: %[[GC:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2, 3]] : tensor<1x4x1x1xf32> into tensor<4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[GC]] : tensor<2x4x3x3xf32>, tensor<4xf32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[X]], %[[Y]] : f32
// CHECK-NEXT: linalg.yield %[[P]] : f32
func.func @mul_gate(%a: tensor<2x4x3x3xf32>, %g: tensor<1x4x1x1xf32>) -> tensor<2x4x3x3xf32> {
  %y = dnn.mul %a, %g : tensor<2x4x3x3xf32>, tensor<1x4x1x1xf32>
  return %y : tensor<2x4x3x3xf32>
}
