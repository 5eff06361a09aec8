// RUN: dnn-opt %s -split-input-file --dnn-lower-to-linalg | FileCheck %s

// dnn.batch_norm: per channel a = scale / sqrt(variance + epsilon) and
// b = offset - mean * a (1-D generics over C), then y = x * a + b with a and
// b indexed by the channel dimension d1.

// CHECK-DAG: #[[V:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x5x5xf32>, %[[SCALE:.*]]: tensor<4xf32>, %[[OFFSET:.*]]: tensor<4xf32>, %[[MEAN:.*]]: tensor<4xf32>, %[[VAR:.*]]: tensor<4xf32>)
// CHECK: %[[A:.*]] = linalg.generic {indexing_maps = [#[[V]], #[[V]], #[[V]]], iterator_types = ["parallel"]}
// CHECK-SAME: ins(%[[SCALE]], %[[VAR]] : tensor<4xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %[[VV:.*]]: f32, %{{.*}}: f32):
// CHECK-DAG: %[[EPS:.*]] = arith.constant 1.000000e-03 : f32
// CHECK-DAG: %[[SUM:.*]] = arith.addf %[[VV]], %[[EPS]] : f32
// CHECK: %[[ROOT:.*]] = math.sqrt %[[SUM]] : f32
// CHECK: %[[Q:.*]] = arith.divf %[[S]], %[[ROOT]] : f32
// CHECK: linalg.yield %[[Q]] : f32
// CHECK: %[[B:.*]] = linalg.generic {indexing_maps = [#[[V]], #[[V]], #[[V]], #[[V]]], iterator_types = ["parallel"]}
// CHECK-SAME: ins(%[[OFFSET]], %[[MEAN]], %[[A]] : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK-NEXT: ^bb0(%[[O:.*]]: f32, %[[M:.*]]: f32, %[[AA:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[MA:.*]] = arith.mulf %[[M]], %[[AA]] : f32
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[O]], %[[MA]] : f32
// CHECK-NEXT: linalg.yield %[[D]] : f32
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[A]], %[[B]] : tensor<2x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<2x4x5x5xf32>)
// CHECK-NEXT: ^bb0(%[[XX:.*]]: f32, %[[A1:.*]]: f32, %[[B1:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[XA:.*]] = arith.mulf %[[XX]], %[[A1]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.addf %[[XA]], %[[B1]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// CHECK: return %[[Y]] : tensor<2x4x5x5xf32>
func.func @batch_norm(%x: tensor<2x4x5x5xf32>, %s: tensor<4xf32>, %o: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<2x4x5x5xf32> {
  %y = dnn.batch_norm %x, %s, %o, %m, %v {epsilon = 1.0e-03 : f64} : tensor<2x4x5x5xf32>, tensor<4xf32>
  return %y : tensor<2x4x5x5xf32>
}

// -----

// Default epsilon (1e-5, here rounded to f32) on an f16 rank-3 input: the
// parameters are extended to f32, a and b stay f32, and only the final
// result is truncated to f16.
// CHECK-DAG: #[[V:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @batch_norm_f16_default_epsilon
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x5xf16>, %[[SCALE:.*]]: tensor<4xf16>, %[[OFFSET:.*]]: tensor<4xf16>, %[[MEAN:.*]]: tensor<4xf16>, %[[VAR:.*]]: tensor<4xf16>)
// CHECK: %[[A:.*]] = linalg.generic {indexing_maps = [#[[V]], #[[V]], #[[V]]], iterator_types = ["parallel"]}
// CHECK-SAME: ins(%[[SCALE]], %[[VAR]] : tensor<4xf16>, tensor<4xf16>) outs(%{{.*}} : tensor<4xf32>)
// CHECK-DAG: arith.constant 9.99999974E-6 : f32
// CHECK-DAG: arith.extf %{{.*}} : f16 to f32
// CHECK: math.sqrt %{{.*}} : f32
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: %[[B:.*]] = linalg.generic {indexing_maps = [#[[V]], #[[V]], #[[V]], #[[V]]], iterator_types = ["parallel"]}
// CHECK-SAME: ins(%[[OFFSET]], %[[MEAN]], %[[A]] : tensor<4xf16>, tensor<4xf16>, tensor<4xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[A]], %[[B]] : tensor<2x4x5xf16>, tensor<4xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<2x4x5xf16>)
// CHECK-NEXT: ^bb0(%[[XX:.*]]: f16, %[[A1:.*]]: f32, %[[B1:.*]]: f32, %{{.*}}: f16):
// CHECK-NEXT: %[[XE:.*]] = arith.extf %[[XX]] : f16 to f32
// CHECK-NEXT: %[[XA:.*]] = arith.mulf %[[XE]], %[[A1]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.addf %[[XA]], %[[B1]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[R]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: return %[[Y]] : tensor<2x4x5xf16>
func.func @batch_norm_f16_default_epsilon(%x: tensor<2x4x5xf16>, %s: tensor<4xf16>, %o: tensor<4xf16>, %m: tensor<4xf16>, %v: tensor<4xf16>) -> tensor<2x4x5xf16> {
  %y = dnn.batch_norm %x, %s, %o, %m, %v : tensor<2x4x5xf16>, tensor<4xf16>
  return %y : tensor<2x4x5xf16>
}

// -----

// f64 keeps the epsilon in double precision.
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @batch_norm_f64_rank2
// CHECK: arith.constant 1.000000e-05 : f64
// CHECK: math.sqrt %{{.*}} : f64
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CH]], #[[CH]], #{{.*}}], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: outs(%{{.*}} : tensor<3x4xf64>)
func.func @batch_norm_f64_rank2(%x: tensor<3x4xf64>, %s: tensor<4xf64>, %o: tensor<4xf64>, %m: tensor<4xf64>, %v: tensor<4xf64>) -> tensor<3x4xf64> {
  %y = dnn.batch_norm %x, %s, %o, %m, %v : tensor<3x4xf64>, tensor<4xf64>
  return %y : tensor<3x4xf64>
}
