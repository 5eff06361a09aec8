// RUN: dnn-opt %s -split-input-file --dnn-lower-to-linalg | FileCheck %s

// dnn.activation: one element-wise linalg.generic (identity maps, all
// parallel) whose body computes the documented function.

// relu = max(x, 0)
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @relu
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]] : tensor<2x3xf32>) outs(%[[EMPTY]] : tensor<2x3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[R:.*]] = arith.maximumf %[[IN]], %[[ZERO]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// CHECK: return %[[Y]] : tensor<2x3xf32>
func.func @relu(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = dnn.activation relu %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// relu6 = min(max(x, 0), 6)
// CHECK-LABEL: func.func @relu6
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-DAG: %[[SIX:.*]] = arith.constant 6.000000e+00 : f32
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[LO:.*]] = arith.maximumf %[[IN]], %[[ZERO]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.minimumf %[[LO]], %[[SIX]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @relu6(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = dnn.activation relu6 %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// sigmoid = 1 / (1 + exp(-x))
// CHECK-LABEL: func.func @sigmoid
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[NEG:.*]] = arith.negf %[[IN]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[NEG]] : f32
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK: %[[ONE2:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[R:.*]] = arith.divf %[[ONE2]], %[[DEN]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @sigmoid(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = dnn.activation sigmoid %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @tanh
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[R:.*]] = math.tanh %[[IN]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @tanh(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = dnn.activation tanh %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// gelu = x * (1 + erf(x / sqrt(2))) / 2, as (x * 0.5) * (1 + erf(x * (1/sqrt(2)))).
// CHECK-LABEL: func.func @gelu
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[RSQRT2:.*]] = arith.constant 0.707106769 : f32
// CHECK-NEXT: %[[S:.*]] = arith.mulf %[[IN]], %[[RSQRT2]] : f32
// CHECK-NEXT: %[[ERF:.*]] = math.erf %[[S]] : f32
// CHECK: %[[HALFC:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT: %[[HALF:.*]] = arith.mulf %[[IN]], %[[HALFC]] : f32
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[P:.*]] = arith.addf %[[ONE]], %[[ERF]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[HALF]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @gelu(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = dnn.activation gelu %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// gelu_tanh = x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2, with
// sqrt(2 / pi) = 0.7978845608...
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[X2:.*]] = arith.mulf %[[IN]], %[[IN]] : f32
// CHECK-NEXT: %[[X3:.*]] = arith.mulf %[[X2]], %[[IN]] : f32
// CHECK: %[[C:.*]] = arith.constant 4.471500e-02 : f32
// CHECK-NEXT: %[[CX3:.*]] = arith.mulf %[[X3]], %[[C]] : f32
// CHECK-NEXT: %[[INNER:.*]] = arith.addf %[[IN]], %[[CX3]] : f32
// CHECK: %[[K:.*]] = arith.constant 0.797884583 : f32
// CHECK-NEXT: %[[KI:.*]] = arith.mulf %[[INNER]], %[[K]] : f32
// CHECK-NEXT: %[[TH:.*]] = math.tanh %[[KI]] : f32
// CHECK: %[[HALFC:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT: %[[HALF:.*]] = arith.mulf %[[IN]], %[[HALFC]] : f32
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[P:.*]] = arith.addf %[[ONE]], %[[TH]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[HALF]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// CHECK-NOT: math.erf
func.func @gelu_tanh(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = dnn.activation gelu_tanh %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// f16: the element is extended to f32, computed there and truncated back in
// the same body; the result tensor is f16 (no f32 intermediate tensor).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @relu_f16
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x3x4xf16>)
// CHECK-NOT: tensor<1x2x3x4xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]] : tensor<1x2x3x4xf16>) outs(%{{.*}} : tensor<1x2x3x4xf16>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f16, %{{.*}}: f16):
// CHECK-NEXT: %[[E:.*]] = arith.extf %[[IN]] : f16 to f32
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[R:.*]] = arith.maximumf %[[E]], %[[ZERO]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[R]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: return %[[Y]] : tensor<1x2x3x4xf16>
func.func @relu_f16(%x: tensor<1x2x3x4xf16>) -> tensor<1x2x3x4xf16> {
  %y = dnn.activation relu %x : tensor<1x2x3x4xf16>
  return %y : tensor<1x2x3x4xf16>
}

// -----

// bf16 gelu: erf is evaluated in f32.
// CHECK-LABEL: func.func @gelu_bf16
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[IN:.*]]: bf16, %{{.*}}: bf16):
// CHECK-NEXT: %[[E:.*]] = arith.extf %[[IN]] : bf16 to f32
// CHECK: %[[S:.*]] = arith.mulf %[[E]], %{{.*}} : f32
// CHECK-NEXT: %[[ERF:.*]] = math.erf %[[S]] : f32
// CHECK: %[[HALF:.*]] = arith.mulf %[[E]], %{{.*}} : f32
// CHECK: %[[P:.*]] = arith.addf %{{.*}}, %[[ERF]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[HALF]], %[[P]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[R]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[T]] : bf16
func.func @gelu_bf16(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %y = dnn.activation gelu %x : tensor<4xbf16>
  return %y : tensor<4xbf16>
}

// -----

// f16 tanh and sigmoid also run in f32.
// CHECK-LABEL: func.func @tanh_f16
// CHECK: %[[E:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK-NEXT: %[[R:.*]] = math.tanh %[[E]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[R]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
func.func @tanh_f16(%x: tensor<8xf16>) -> tensor<8xf16> {
  %y = dnn.activation tanh %x : tensor<8xf16>
  return %y : tensor<8xf16>
}

// -----

// CHECK-LABEL: func.func @sigmoid_f16
// CHECK: %[[E:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[E]] : f32
// CHECK-NEXT: math.exp %[[NEG]] : f32
// CHECK: %[[R:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[R]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
func.func @sigmoid_f16(%x: tensor<8xf16>) -> tensor<8xf16> {
  %y = dnn.activation sigmoid %x : tensor<8xf16>
  return %y : tensor<8xf16>
}

// -----

// f64 computes in f64 (no extension).
// CHECK-LABEL: func.func @sigmoid_f64
// CHECK-NOT: arith.extf
// CHECK: arith.negf %{{.*}} : f64
// CHECK: math.exp %{{.*}} : f64
// CHECK: arith.divf %{{.*}}, %{{.*}} : f64
// CHECK-NOT: arith.truncf
// CHECK: return
func.func @sigmoid_f64(%x: tensor<4xf64>) -> tensor<4xf64> {
  %y = dnn.activation sigmoid %x : tensor<4xf64>
  return %y : tensor<4xf64>
}
