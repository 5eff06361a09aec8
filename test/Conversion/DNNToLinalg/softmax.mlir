// RUN: dnn-opt %s -split-input-file --dnn-lower-to-linalg | FileCheck %s

// dnn.softmax: m = max along the axis (from -inf), s = sum of exp(x - m)
// along the axis (from 0), then exp(x - m) / s. The axis is the one
// reduction loop; the reduced tensors drop it from their maps.

// Last axis of a 2-D input.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[RED:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @softmax_last_axis
// CHECK-SAME: (%[[X:.*]]: tensor<8x10xf32>)
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<8xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]] : tensor<8x10xf32>) outs(%[[MAXINIT]] : tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[M:.*]] = arith.maximumf %[[IN]], %[[ACC]] : f32
// CHECK-NEXT: linalg.yield %[[M]] : f32
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[SUMINIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<8xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]], %[[MAX]] : tensor<8x10xf32>, tensor<8xf32>) outs(%[[SUMINIT]] : tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[MX:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[IN]], %[[MX]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[E]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<8x10xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[MAX]], %[[SUM]] : tensor<8x10xf32>, tensor<8xf32>, tensor<8xf32>) outs(%[[EMPTY]] : tensor<8x10xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[MX:.*]]: f32, %[[SM:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[IN]], %[[MX]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[E]], %[[SM]] : f32
// CHECK-NEXT: linalg.yield %[[Q]] : f32
// CHECK: return %[[Y]] : tensor<8x10xf32>
func.func @softmax_last_axis(%x: tensor<8x10xf32>) -> tensor<8x10xf32> {
  %y = dnn.softmax %x {axis = 1 : i64} : tensor<8x10xf32>
  return %y : tensor<8x10xf32>
}

// -----

// A middle axis (1 of 3) in f16: the reduction loop is d1 and the reduced
// tensors (2 x 4, f32) are indexed (d0, d2); inputs are extended in every
// body and only the final quotient is truncated.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[RED:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @softmax_middle_axis_f16
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf16>)
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: ins(%[[X]] : tensor<2x3x4xf16>) outs(%[[MAXINIT]] : tensor<2x4xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f16, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[XE:.*]] = arith.extf %[[IN]] : f16 to f32
// CHECK-NEXT: arith.maximumf %[[XE]], %[[ACC]] : f32
// CHECK: %[[SUMINIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[MAX]] : tensor<2x3x4xf16>, tensor<2x4xf32>) outs(%[[SUMINIT]] : tensor<2x4xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: math.exp %{{.*}} : f32
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[MAX]], %[[SUM]] : tensor<2x3x4xf16>, tensor<2x4xf32>, tensor<2x4xf32>) outs(%{{.*}} : tensor<2x3x4xf16>)
// CHECK: %[[Q:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[Q]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: return %[[Y]] : tensor<2x3x4xf16>
func.func @softmax_middle_axis_f16(%x: tensor<2x3x4xf16>) -> tensor<2x3x4xf16> {
  %y = dnn.softmax %x {axis = 1 : i64} : tensor<2x3x4xf16>
  return %y : tensor<2x3x4xf16>
}

// -----

// Axis 0 of a 2-D input: the reduction is the outer loop.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[RED:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @softmax_first_axis_f64
// CHECK: arith.constant 0xFFF0000000000000 : f64
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[RED]]], iterator_types = ["reduction", "parallel"]}
// CHECK-SAME: outs(%{{.*}} : tensor<5xf64>)
// CHECK: arith.maximumf
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]]], iterator_types = ["reduction", "parallel"]}
// CHECK: math.exp
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.divf
func.func @softmax_first_axis_f64(%x: tensor<4x5xf64>) -> tensor<4x5xf64> {
  %y = dnn.softmax %x {axis = 0 : i64} : tensor<4x5xf64>
  return %y : tensor<4x5xf64>
}

// -----

// Rank 1: the statistics are rank-0 tensors, indexed by an empty map.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[RED:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @softmax_rank1
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<f32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[RED]]], iterator_types = ["reduction"]}
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]]], iterator_types = ["reduction"]}
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]], #[[ID]]], iterator_types = ["parallel"]}
func.func @softmax_rank1(%x: tensor<5xf32>) -> tensor<5xf32> {
  %y = dnn.softmax %x {axis = 0 : i64} : tensor<5xf32>
  return %y : tensor<5xf32>
}
