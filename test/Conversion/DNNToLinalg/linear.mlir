// RUN: dnn-opt %s -split-input-file --dnn-lower-to-linalg | FileCheck %s

// dnn.linear -> linalg.matmul with a transposed-B indexing map (the weight is
// N x K), on the input reshaped to M x K; the bias is broadcast along the
// columns into the accumulator.

// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @linear_rank2_bias
// CHECK-SAME: (%[[X:.*]]: tensor<8x16xf32>, %[[W:.*]]: tensor<4x16xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NOT: tensor.collapse_shape
// CHECK-NOT: tensor.expand_shape
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<8x4xf32>
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[B]] : tensor<4xf32>) outs(%[[EMPTY]] : tensor<8x4xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK: %[[MM:.*]] = linalg.matmul indexing_maps = [#[[A]], #[[BT]], #[[C]]]
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<8x16xf32>, tensor<4x16xf32>) outs(%[[INIT]] : tensor<8x4xf32>) -> tensor<8x4xf32>
// CHECK-NEXT: return %[[MM]] : tensor<8x4xf32>
func.func @linear_rank2_bias(%x: tensor<8x16xf32>, %w: tensor<4x16xf32>, %b: tensor<4xf32>) -> tensor<8x4xf32> {
  %y = dnn.linear %x, %w, %b : (tensor<8x16xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

// -----

// No bias: a zero-filled accumulator and no broadcast generic.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @linear_rank2_no_bias
// CHECK-SAME: (%[[X:.*]]: tensor<8x16xf32>, %[[W:.*]]: tensor<4x16xf32>)
// CHECK-NOT: linalg.generic
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<8x4xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<8x4xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul indexing_maps = [#[[A]], #[[BT]], #[[C]]]
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<8x16xf32>, tensor<4x16xf32>) outs(%[[INIT]] : tensor<8x4xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[MM]] : tensor<8x4xf32>
func.func @linear_rank2_no_bias(%x: tensor<8x16xf32>, %w: tensor<4x16xf32>) -> tensor<8x4xf32> {
  %y = dnn.linear %x, %w : (tensor<8x16xf32>, tensor<4x16xf32>) -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

// -----

// Rank 1: K -> 1 x K, a 1 x N product, back to N.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @linear_rank1
// CHECK-SAME: (%[[X:.*]]: tensor<16xf32>, %[[W:.*]]: tensor<4x16xf32>)
// CHECK: %[[X2:.*]] = tensor.expand_shape %[[X]] {{\[}}[0, 1]] output_shape [1, 16] : tensor<16xf32> into tensor<1x16xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul indexing_maps = [#[[A]], #[[BT]], #[[C]]]
// CHECK-SAME: ins(%[[X2]], %[[W]] : tensor<1x16xf32>, tensor<4x16xf32>) outs(%[[INIT]] : tensor<1x4xf32>)
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[MM]] {{\[}}[0, 1]] : tensor<1x4xf32> into tensor<4xf32>
// CHECK: return %[[Y]] : tensor<4xf32>
func.func @linear_rank1(%x: tensor<16xf32>, %w: tensor<4x16xf32>) -> tensor<4xf32> {
  %y = dnn.linear %x, %w : (tensor<16xf32>, tensor<4x16xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Rank 3: 2 x 3 x K -> 6 x K (M is the product of the leading dims), and the
// 6 x N product back to 2 x 3 x N; the bias broadcast covers all 6 rows.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @linear_rank3
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x16xf32>, %[[W:.*]]: tensor<4x16xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: tensor.collapse_shape %[[X]]
// CHECK: %[[X2:.*]] = tensor.expand_shape {{.*}} into tensor<6x16xf32>
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[B]] : tensor<4xf32>) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul indexing_maps = [#[[A]], #[[BT]], #[[C]]]
// CHECK-SAME: ins(%[[X2]], %[[W]] : tensor<6x16xf32>, tensor<4x16xf32>) outs(%[[INIT]] : tensor<6x4xf32>)
// CHECK: tensor.collapse_shape %[[MM]]
// CHECK: %[[Y:.*]] = tensor.expand_shape {{.*}} into tensor<2x3x4xf32>
// CHECK: return %[[Y]] : tensor<2x3x4xf32>
func.func @linear_rank3(%x: tensor<2x3x16xf32>, %w: tensor<4x16xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %y = dnn.linear %x, %w, %b : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// bf16: the bias is extended into an f32 accumulator, the product accumulates
// in f32 and is rounded to bf16 once.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @linear_bf16
// CHECK-SAME: (%[[X:.*]]: tensor<2x16xbf16>, %[[W:.*]]: tensor<4x16xbf16>, %[[B:.*]]: tensor<4xbf16>)
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[ID2]]]
// CHECK-SAME: ins(%[[B]] : tensor<4xbf16>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<2x16xbf16>, tensor<4x16xbf16>) outs(%[[INIT]] : tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[MM]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<2x4xbf16>)
// CHECK-NEXT: ^bb0(%[[ACC:.*]]: f32, %{{.*}}: bf16):
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[ACC]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[T]] : bf16
// CHECK: return %[[Y]] : tensor<2x4xbf16>
func.func @linear_bf16(%x: tensor<2x16xbf16>, %w: tensor<4x16xbf16>, %b: tensor<4xbf16>) -> tensor<2x4xbf16> {
  %y = dnn.linear %x, %w, %b : (tensor<2x16xbf16>, tensor<4x16xbf16>, tensor<4xbf16>) -> tensor<2x4xbf16>
  return %y : tensor<2x4xbf16>
}
