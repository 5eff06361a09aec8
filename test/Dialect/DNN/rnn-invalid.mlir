// RUN: dnn-opt %s -split-input-file -verify-diagnostics

// Diagnostics of dnn.lstm / dnn.gru / dnn.rnn: shapes against T, B, I, H,
// D and the gate count; element types; cell attributes.

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+1 {{'dnn.lstm' op weight must be [1, 16, 3] (D = 1, gates = 4, H = 4, T = 5, B = 2, I = 3), got [1, 12, 3]}}
  %y, %yh, %yc = dnn.lstm %x, %w, %r {hidden_size = 4 : i64}
      : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<2x12x3xf32>, %r: tensor<2x12x4xf32>) {
  // expected-error @+1 {{'dnn.gru' op Y must be [5, 2, 2, 4] (D = 2, gates = 3, H = 4, T = 5, B = 2, I = 3), got [5, 1, 2, 4]}}
  %y, %yh = dnn.gru %x, %w, %r {hidden_size = 4 : i64, direction = "bidirectional"}
      : (tensor<5x2x3xf32>, tensor<2x12x3xf32>, tensor<2x12x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<2x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'dnn.rnn' op direction must be forward, reverse or bidirectional, got 'sideways'}}
  %y, %yh = dnn.rnn %x, %w, %r {hidden_size = 4 : i64, direction = "sideways"}
      : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{'dnn.rnn' op bias must be [1, 8]}}
  %y, %yh = dnn.rnn %x, %w, %r bias %b {hidden_size = 4 : i64}
      : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<1x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>, %p: tensor<1x8xf32>) {
  // expected-error @+1 {{'dnn.lstm' op peephole must be [1, 12]}}
  %y, %yh, %yc = dnn.lstm %x, %w, %r peephole %p {hidden_size = 4 : i64}
      : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>, tensor<1x8xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>, %h: tensor<1x3x4xf32>) {
  // expected-error @+1 {{'dnn.gru' op h0 must be [1, 2, 4]}}
  %y, %yh = dnn.gru %x, %w, %r h0 %h {hidden_size = 4 : i64}
      : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>, tensor<1x3x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf16>, %r: tensor<1x12x4xf32>) {
  // expected-error @+1 {{'dnn.gru' op weight element type 'f16' differs from the input's 'f32'}}
  %y, %yh = dnn.gru %x, %w, %r {hidden_size = 4 : i64}
      : (tensor<5x2x3xf32>, tensor<1x12x3xf16>, tensor<1x12x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>) {
  // expected-error @+1 {{'dnn.gru' op expects 2 activations (2 per direction), got 3}}
  %y, %yh = dnn.gru %x, %w, %r {hidden_size = 4 : i64, activations = ["sigmoid", "tanh", "tanh"]}
      : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>) {
  // expected-error @+1 {{'dnn.gru' op unknown activation 'swish'}}
  %y, %yh = dnn.gru %x, %w, %r {hidden_size = 4 : i64, activations = ["sigmoid", "swish"]}
      : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>) {
  // expected-error @+1 {{'dnn.gru' op activation_alpha has 1 entries for 2 activations}}
  %y, %yh = dnn.gru %x, %w, %r {hidden_size = 4 : i64, activations = ["sigmoid", "tanh"], activation_alpha = array<f32: 1.0>}
      : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'dnn.rnn' op clip must be positive, got -1}}
  %y, %yh = dnn.rnn %x, %w, %r {hidden_size = 4 : i64, clip = -1.0 : f32}
      : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'dnn.rnn' op expects a 3-D input (T x B x I), got rank 2}}
  %y, %yh = dnn.rnn %x, %w, %r {hidden_size = 4 : i64}
      : (tensor<5x2xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'dnn.rnn' op attribute 'hidden_size' failed to satisfy constraint: 64-bit signless integer attribute whose minimum value is 1}}
  %y, %yh = dnn.rnn %x, %w, %r {hidden_size = 0 : i64}
      : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'dnn.rnn_fusion' must be "unfused", "hoisted" or "persistent", got "fused"}}
  %y, %yh = dnn.rnn %x, %w, %r {hidden_size = 4 : i64, dnn.rnn_fusion = "fused"}
      : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'dnn.rnn_fusion' may only be attached to dnn.lstm, dnn.gru or dnn.rnn}}
  %y = dnn.activation relu %x {dnn.rnn_fusion = "hoisted"} : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) {
  %l = dnn.constant dense<[5, 6]> : tensor<2xi32>
  // expected-error @+1 {{'dnn.rnn' op sequence_lens entry 6 is outside [1, 5]}}
  %y, %yh = dnn.rnn %x, %w, %r lens %l {hidden_size = 4 : i64}
      : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<2xi32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>, %l: tensor<2xi8>) {
  // expected-error @+1 {{'dnn.rnn' op sequence_lens must be 2 x i32 (one length per batch entry), got 'tensor<2xi8>'}}
  %y, %yh = dnn.rnn %x, %w, %r lens %l {hidden_size = 4 : i64}
      : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<2xi8>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}
