// RUN: dnn-opt %s | FileCheck %s
// RUN: dnn-opt %s | dnn-opt | FileCheck %s
// RUN: dnn-opt %s -mlir-print-op-generic | dnn-opt | FileCheck %s

// dnn.lstm, dnn.gru and dnn.rnn round-trip (custom and generic form).

// CHECK-LABEL: func.func @lstm
// CHECK: dnn.lstm %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} {hidden_size = 4 : i64} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>, tensor<1x32xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
func.func @lstm(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>, %b: tensor<1x32xf32>)
    -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>) {
  %y, %yh, %yc = dnn.lstm %x, %w, %r bias %b {hidden_size = 4 : i64}
      : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>, tensor<1x32xf32>)
      -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return %y, %yh, %yc : tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>
}

// Bidirectional with every optional operand and cell attribute.
// CHECK-LABEL: func.func @lstm_full
// CHECK: dnn.lstm %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} h0 %{{.*}} c0 %{{.*}} peephole %{{.*}} {activation_alpha = array<f32: 1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00>, activations = ["sigmoid", "tanh", "tanh", "hard_sigmoid", "relu", "affine"], clip = 3.000000e+00 : f32, direction = "bidirectional", hidden_size = 4 : i64, input_forget = true}
func.func @lstm_full(%x: tensor<5x2x3xf16>, %w: tensor<2x16x3xf16>, %r: tensor<2x16x4xf16>, %b: tensor<2x32xf16>,
                     %h: tensor<2x2x4xf16>, %c: tensor<2x2x4xf16>, %p: tensor<2x12xf16>)
    -> (tensor<5x2x2x4xf16>, tensor<2x2x4xf16>, tensor<2x2x4xf16>) {
  %y, %yh, %yc = dnn.lstm %x, %w, %r bias %b h0 %h c0 %c peephole %p {hidden_size = 4 : i64,
      direction = "bidirectional", input_forget = true, clip = 3.0 : f32,
      activations = ["sigmoid", "tanh", "tanh", "hard_sigmoid", "relu", "affine"],
      activation_alpha = array<f32: 1.0, 2.0, 3.0, 4.0, 5.0, 6.0>}
      : (tensor<5x2x3xf16>, tensor<2x16x3xf16>, tensor<2x16x4xf16>, tensor<2x32xf16>, tensor<2x2x4xf16>, tensor<2x2x4xf16>, tensor<2x12xf16>)
      -> (tensor<5x2x2x4xf16>, tensor<2x2x4xf16>, tensor<2x2x4xf16>)
  return %y, %yh, %yc : tensor<5x2x2x4xf16>, tensor<2x2x4xf16>, tensor<2x2x4xf16>
}

// CHECK-LABEL: func.func @gru
// CHECK: dnn.gru %{{.*}}, %{{.*}}, %{{.*}} h0 %{{.*}} {direction = "reverse", hidden_size = 4 : i64, linear_before_reset = true}
func.func @gru(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>, %h: tensor<1x2x4xf32>)
    -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>) {
  %y, %yh = dnn.gru %x, %w, %r h0 %h {hidden_size = 4 : i64, direction = "reverse", linear_before_reset = true}
      : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>, tensor<1x2x4xf32>)
      -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return %y, %yh : tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
}

// CHECK-LABEL: func.func @rnn
// CHECK: dnn.rnn %{{.*}}, %{{.*}}, %{{.*}} {hidden_size = 4 : i64} : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
func.func @rnn(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>)
    -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>) {
  %y, %yh = dnn.rnn %x, %w, %r {hidden_size = 4 : i64}
      : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return %y, %yh : tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
}

// Per-batch sequence lengths.
// CHECK-LABEL: func.func @gru_lens
// CHECK: dnn.gru %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} lens %{{.*}} h0 %{{.*}} {hidden_size = 4 : i64}
func.func @gru_lens(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>, %b: tensor<1x24xf32>,
                    %l: tensor<2xi32>, %h: tensor<1x2x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>) {
  %y, %yh = dnn.gru %x, %w, %r bias %b lens %l h0 %h {hidden_size = 4 : i64}
      : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>, tensor<1x24xf32>, tensor<2xi32>, tensor<1x2x4xf32>)
      -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return %y, %yh : tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
}
