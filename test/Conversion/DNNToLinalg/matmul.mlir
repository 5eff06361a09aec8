// RUN: dnn-opt %s -split-input-file --dnn-lower-to-linalg | FileCheck %s

// dnn.matmul: linalg.matmul for 2-D operands and for a batched lhs times a
// 2-D rhs (one (B*M) x K GEMM); otherwise a linalg.generic over
// (batch..., m, n, k) whose operand maps broadcast the batch dims.

// CHECK-LABEL: func.func @matmul_2d
// CHECK-SAME: (%[[A:.*]]: tensor<8x16xf32>, %[[B:.*]]: tensor<16x4xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<8x4xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<8x16xf32>, tensor<16x4xf32>) outs(%[[INIT]] : tensor<8x4xf32>) -> tensor<8x4xf32>
// CHECK-NEXT: return %[[MM]] : tensor<8x4xf32>
func.func @matmul_2d(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) -> tensor<8x4xf32> {
  %y = dnn.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

// -----

// f16: f32 accumulator, one truncf at the end.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul_2d_f16
// CHECK-SAME: (%[[A:.*]]: tensor<8x16xf16>, %[[B:.*]]: tensor<16x4xf16>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<8x4xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<8x16xf16>, tensor<16x4xf16>) outs(%[[INIT]] : tensor<8x4xf32>) -> tensor<8x4xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[MM]] : tensor<8x4xf32>) outs(%{{.*}} : tensor<8x4xf16>)
// CHECK-NEXT: ^bb0(%[[ACC:.*]]: f32, %{{.*}}: f16):
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[ACC]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: return %[[Y]] : tensor<8x4xf16>
func.func @matmul_2d_f16(%a: tensor<8x16xf16>, %b: tensor<16x4xf16>) -> tensor<8x4xf16> {
  %y = dnn.matmul %a, %b : (tensor<8x16xf16>, tensor<16x4xf16>) -> tensor<8x4xf16>
  return %y : tensor<8x4xf16>
}

// -----

// Batched lhs, 2-D rhs: 2 x 3 x 8 x K is collapsed to a 48 x K GEMM, the
// 48 x N product is reshaped back to 2 x 3 x 8 x N.
// CHECK-LABEL: func.func @matmul_batched_lhs_2d_rhs
// CHECK-SAME: (%[[A:.*]]: tensor<2x3x8x16xf32>, %[[B:.*]]: tensor<16x4xf32>)
// CHECK-NOT: linalg.generic
// CHECK: tensor.collapse_shape %[[A]]
// CHECK: %[[A2:.*]] = tensor.expand_shape {{.*}} into tensor<48x16xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<48x4xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[A2]], %[[B]] : tensor<48x16xf32>, tensor<16x4xf32>) outs(%[[INIT]] : tensor<48x4xf32>)
// CHECK: tensor.collapse_shape %[[MM]]
// CHECK: %[[Y:.*]] = tensor.expand_shape {{.*}} into tensor<2x3x8x4xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]] : tensor<2x3x8x4xf32>
func.func @matmul_batched_lhs_2d_rhs(%a: tensor<2x3x8x16xf32>, %b: tensor<16x4xf32>) -> tensor<2x3x8x4xf32> {
  %y = dnn.matmul %a, %b : (tensor<2x3x8x16xf32>, tensor<16x4xf32>) -> tensor<2x3x8x4xf32>
  return %y : tensor<2x3x8x4xf32>
}

// -----

// Equal batch dims: loops (b, m, n, k), lhs (b, m, k), rhs (b, k, n),
// out (b, m, n), k a reduction; the body is out + lhs * rhs.
// CHECK-DAG: #[[L:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[R:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_batched
// CHECK-SAME: (%[[A:.*]]: tensor<2x8x16xf32>, %[[B:.*]]: tensor<2x16x4xf32>)
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x8x4xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[L]], #[[R]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x8x16xf32>, tensor<2x16x4xf32>) outs(%[[INIT]] : tensor<2x8x4xf32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %[[W:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[X]], %[[W]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: return %[[Y]] : tensor<2x8x4xf32>
func.func @matmul_batched(%a: tensor<2x8x16xf32>, %b: tensor<2x16x4xf32>) -> tensor<2x8x4xf32> {
  %y = dnn.matmul %a, %b : (tensor<2x8x16xf32>, tensor<2x16x4xf32>) -> tensor<2x8x4xf32>
  return %y : tensor<2x8x4xf32>
}

// -----

// Unit batch dims that do not broadcast stay in place.
// CHECK-DAG: #[[L:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[R:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_unit_batch
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {indexing_maps = [#[[L]], #[[R]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x8x16xf32>, tensor<1x16x4xf32>) outs(%{{.*}} : tensor<1x8x4xf32>)
func.func @matmul_unit_batch(%a: tensor<1x8x16xf32>, %b: tensor<1x16x4xf32>) -> tensor<1x8x4xf32> {
  %y = dnn.matmul %a, %b : (tensor<1x8x16xf32>, tensor<1x16x4xf32>) -> tensor<1x8x4xf32>
  return %y : tensor<1x8x4xf32>
}

// -----

// Broadcast batch: 2 x 1 against 3 -> 2 x 3. The lhs's broadcast unit dim is
// collapsed away and its map skips loop d1; the rhs (rank extension) is
// indexed by the trailing batch loop d1 only.
// CHECK-DAG: #[[L:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d4)>
// CHECK-DAG: #[[R:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @matmul_broadcast_batch
// CHECK-SAME: (%[[A:.*]]: tensor<2x1x8x16xf32>, %[[B:.*]]: tensor<3x16x4xf32>)
// CHECK: %[[A2:.*]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1], [2], [3]] : tensor<2x1x8x16xf32> into tensor<2x8x16xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x3x8x4xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[L]], #[[R]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A2]], %[[B]] : tensor<2x8x16xf32>, tensor<3x16x4xf32>) outs(%[[INIT]] : tensor<2x3x8x4xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: return %[[Y]] : tensor<2x3x8x4xf32>
func.func @matmul_broadcast_batch(%a: tensor<2x1x8x16xf32>, %b: tensor<3x16x4xf32>) -> tensor<2x3x8x4xf32> {
  %y = dnn.matmul %a, %b : (tensor<2x1x8x16xf32>, tensor<3x16x4xf32>) -> tensor<2x3x8x4xf32>
  return %y : tensor<2x3x8x4xf32>
}

// -----

// The rhs broadcasts: its unit batch dim is collapsed, leaving a plain K x N
// matrix indexed (k, n) for every batch.
// CHECK-DAG: #[[L:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[R:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_broadcast_rhs
// CHECK-SAME: (%[[A:.*]]: tensor<4x8x16xf32>, %[[B:.*]]: tensor<1x16x4xf32>)
// CHECK: %[[B2:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1], [2]] : tensor<1x16x4xf32> into tensor<16x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[L]], #[[R]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A]], %[[B2]] : tensor<4x8x16xf32>, tensor<16x4xf32>) outs(%{{.*}} : tensor<4x8x4xf32>)
func.func @matmul_broadcast_rhs(%a: tensor<4x8x16xf32>, %b: tensor<1x16x4xf32>) -> tensor<4x8x4xf32> {
  %y = dnn.matmul %a, %b : (tensor<4x8x16xf32>, tensor<1x16x4xf32>) -> tensor<4x8x4xf32>
  return %y : tensor<4x8x4xf32>
}

// -----

// 2-D lhs against a batched f16 rhs: the lhs map has no batch loop; the
// operands are extended in the body, accumulated in f32, rounded at the end.
// CHECK-DAG: #[[L:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[R:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_2d_lhs_batched_rhs_f16
// CHECK-SAME: (%[[A:.*]]: tensor<8x16xf16>, %[[B:.*]]: tensor<5x16x4xf16>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<5x8x4xf32>)
// CHECK: %[[P:.*]] = linalg.generic {indexing_maps = [#[[L]], #[[R]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<8x16xf16>, tensor<5x16x4xf16>) outs(%[[INIT]] : tensor<5x8x4xf32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f16, %[[W:.*]]: f16, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[XE:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK-NEXT: %[[WE:.*]] = arith.extf %[[W]] : f16 to f32
// CHECK-NEXT: %[[M:.*]] = arith.mulf %[[XE]], %[[WE]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[M]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[P]] : tensor<5x8x4xf32>) outs(%{{.*}} : tensor<5x8x4xf16>)
// CHECK-NEXT: ^bb0(%[[ACC:.*]]: f32, %{{.*}}: f16):
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[ACC]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: return %[[Y]] : tensor<5x8x4xf16>
func.func @matmul_2d_lhs_batched_rhs_f16(%a: tensor<8x16xf16>, %b: tensor<5x16x4xf16>) -> tensor<5x8x4xf16> {
  %y = dnn.matmul %a, %b : (tensor<8x16xf16>, tensor<5x16x4xf16>) -> tensor<5x8x4xf16>
  return %y : tensor<5x8x4xf16>
}
