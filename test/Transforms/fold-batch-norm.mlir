// dnn-fold-batch-norm: a = scale / sqrt(var + eps) = 4 / sqrt(3 + 1) = 2,
// w' = 0.5 * 2 = 1, b' = (0.25 - 0.125) * 2 + 0.5 = 0.75 (exact in f32).
// RUN: dnn-opt %s --split-input-file --dnn-fold-batch-norm 2>/dev/null | FileCheck %s
// RUN: dnn-opt %s --split-input-file --dnn-fold-batch-norm -verify-diagnostics -o /dev/null

// CHECK-LABEL: func.func @conv_bias
// CHECK-DAG: %[[W:.*]] = dnn.constant dense<1.000000e+00> : tensor<8x4x3x3xf32>
// CHECK-DAG: %[[B:.*]] = dnn.constant dense<7.500000e-01> : tensor<8xf32>
// CHECK: %[[C:.*]] = dnn.conv2d %arg0, %[[W]], %[[B]] {padding = array<i64: 1, 1, 1, 1>, tag = "c1"}
// CHECK-NOT: batch_norm
// CHECK: dnn.activation relu %[[C]]
func.func @conv_bias(%x: tensor<1x4x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = dnn.constant dense<0.5> : tensor<8x4x3x3xf32>
  %b = dnn.constant dense<0.25> : tensor<8xf32>
  %g = dnn.constant dense<4.0> : tensor<8xf32>
  %be = dnn.constant dense<0.5> : tensor<8xf32>
  %m = dnn.constant dense<0.125> : tensor<8xf32>
  %v = dnn.constant dense<3.0> : tensor<8xf32>
  %c = dnn.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>, tag = "c1"} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  %n = dnn.batch_norm %c, %g, %be, %m, %v {epsilon = 1.0 : f64} : tensor<1x8x8x8xf32>, tensor<8xf32>
  %r = dnn.activation relu %n : tensor<1x8x8x8xf32>
  return %r : tensor<1x8x8x8xf32>
}

// -----

// No bias: b = 0, so b' = (0 - 0.125) * 2 + 0.5 = 0.25. The linear layer's
// [N, F] result has its features on the batch norm's channel dim.
// CHECK-LABEL: func.func @linear_no_bias
// CHECK-DAG: %[[W:.*]] = dnn.constant dense<1.000000e+00> : tensor<6x5xf32>
// CHECK-DAG: %[[B:.*]] = dnn.constant dense<2.500000e-01> : tensor<6xf32>
// CHECK: dnn.linear %arg0, %[[W]], %[[B]] : (tensor<2x5xf32>, tensor<6x5xf32>, tensor<6xf32>) -> tensor<2x6xf32>
// CHECK-NOT: batch_norm
func.func @linear_no_bias(%x: tensor<2x5xf32>) -> tensor<2x6xf32> {
  %w = dnn.constant dense<0.5> : tensor<6x5xf32>
  %g = dnn.constant dense<4.0> : tensor<6xf32>
  %be = dnn.constant dense<0.5> : tensor<6xf32>
  %m = dnn.constant dense<0.125> : tensor<6xf32>
  %v = dnn.constant dense<3.0> : tensor<6xf32>
  %l = dnn.linear %x, %w : (tensor<2x5xf32>, tensor<6x5xf32>) -> tensor<2x6xf32>
  %n = dnn.batch_norm %l, %g, %be, %m, %v {epsilon = 1.0 : f64} : tensor<2x6xf32>, tensor<6xf32>
  return %n : tensor<2x6xf32>
}

// -----

// Left alone: the conv's result is also returned; a parameter is a function
// argument; the input is not a conv2d or linear.
// CHECK-LABEL: func.func @not_folded
// CHECK-COUNT-3: dnn.batch_norm
func.func @not_folded(%x: tensor<1x4x8x8xf32>, %gamma: tensor<4xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %w = dnn.constant dense<0.5> : tensor<4x4x1x1xf32>
  %p = dnn.constant dense<1.0> : tensor<4xf32>
  %c = dnn.conv2d %x, %w : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  // expected-remark @below {{dnn-fold-batch-norm: not folded: the producer's result has other users}}
  %n1 = dnn.batch_norm %c, %p, %p, %p, %p : tensor<1x4x8x8xf32>, tensor<4xf32>
  %c2 = dnn.conv2d %x, %w : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  // expected-remark @below {{dnn-fold-batch-norm: not folded: a batch-norm parameter is not a constant}}
  %n2 = dnn.batch_norm %c2, %gamma, %p, %p, %p : tensor<1x4x8x8xf32>, tensor<4xf32>
  // expected-remark @below {{dnn-fold-batch-norm: not folded: its input is not a conv2d or linear}}
  %n3 = dnn.batch_norm %x, %p, %p, %p, %p : tensor<1x4x8x8xf32>, tensor<4xf32>
  return %c, %n1, %n2, %n3 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}
