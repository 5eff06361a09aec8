// RUN: dnn-opt %s -split-input-file --dnn-lower-to-linalg | FileCheck %s

// dnn.constant -> arith.constant with the same value and type, whether the
// value is a dense literal, a splat or a dense_resource blob.

// CHECK-LABEL: func.func @dense
// CHECK-NOT: dnn.constant
// CHECK: %[[C:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT: return %[[C]] : tensor<2x2xf32>
func.func @dense() -> tensor<2x2xf32> {
  %c = dnn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  return %c : tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func.func @splat_f16
// CHECK: %[[C:.*]] = arith.constant dense<1.500000e+00> : tensor<4x3xf16>
// CHECK-NEXT: return %[[C]] : tensor<4x3xf16>
func.func @splat_f16() -> tensor<4x3xf16> {
  %c = dnn.constant dense<1.5> : tensor<4x3xf16>
  return %c : tensor<4x3xf16>
}

// -----

// The blob is referenced, not copied into a dense literal.
// CHECK-LABEL: func.func @dense_resource
// CHECK: %[[C:.*]] = arith.constant dense_resource<weights> : tensor<2xf32>
// CHECK-NEXT: return %[[C]] : tensor<2xf32>
// CHECK: dialect_resources
// CHECK: weights: "0x040000000000803F00000040"
func.func @dense_resource() -> tensor<2xf32> {
  %c = dnn.constant dense_resource<weights> : tensor<2xf32>
  return %c : tensor<2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// The constant feeds the lowered consumer directly.
// CHECK-LABEL: func.func @constant_operand
// CHECK-SAME: (%[[X:.*]]: tensor<2xf32>)
// CHECK: %[[C:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[X]], %[[C]] : tensor<2xf32>, tensor<2xf32>)
func.func @constant_operand(%x: tensor<2xf32>) -> tensor<2xf32> {
  %c = dnn.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = dnn.add %x, %c : tensor<2xf32>, tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// A rank-0 constant.
// CHECK-LABEL: func.func @scalar_f64
// CHECK: %[[C:.*]] = arith.constant dense<-2.500000e+00> : tensor<f64>
// CHECK-NEXT: return %[[C]] : tensor<f64>
func.func @scalar_f64() -> tensor<f64> {
  %c = dnn.constant dense<-2.5> : tensor<f64>
  return %c : tensor<f64>
}

// -----

// A rank-0 dense_resource becomes a dense literal (upstream's lowering of
// rank-0 memref.globals cannot read a dense_resource); 0x3FC00000 is 1.5f.
// CHECK-LABEL: func.func @scalar_resource
// CHECK: %[[C:.*]] = arith.constant dense<1.500000e+00> : tensor<f32>
// CHECK-NEXT: return %[[C]] : tensor<f32>
func.func @scalar_resource() -> tensor<f32> {
  %c = dnn.constant dense_resource<scalar> : tensor<f32>
  return %c : tensor<f32>
}

{-#
  dialect_resources: {
    builtin: {
      scalar: "0x040000000000C03F"
    }
  }
#-}
