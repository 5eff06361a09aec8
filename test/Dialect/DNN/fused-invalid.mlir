// RUN: dnn-opt %s --split-input-file -verify-diagnostics

func.func @no_anchor(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = dnn.fused %x : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    // expected-error @+1 {{must not start a dnn.fused body: the anchor is a conv2d or linear}}
    %r = dnn.activation relu %a : tensor<4xf32>
    dnn.yield %r : tensor<4xf32>
  }
  return %y : tensor<4xf32>
}

// -----

func.func @wrong_order(%x: tensor<4x16xf32>, %w: tensor<32x16xf32>, %r: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %y = dnn.fused %x, %w, %r : (tensor<4x16xf32>, tensor<32x16xf32>, tensor<4x32xf32>) -> tensor<4x32xf32> {
  ^bb0(%a: tensor<4x16xf32>, %b: tensor<32x16xf32>, %c: tensor<4x32xf32>):
    %l = dnn.linear %a, %b : (tensor<4x16xf32>, tensor<32x16xf32>) -> tensor<4x32xf32>
    %t = dnn.activation relu %l : tensor<4x32xf32>
    // expected-error @+1 {{is not part of the epilogue form of dnn.fused}}
    %s = dnn.add %t, %c : tensor<4x32xf32>, tensor<4x32xf32>
    dnn.yield %s : tensor<4x32xf32>
  }
  return %y : tensor<4x32xf32>
}

// -----

func.func @args_mismatch(%x: tensor<4x16xf32>, %w: tensor<32x16xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{body arguments must match the operands}}
  %y = dnn.fused %x, %w : (tensor<4x16xf32>, tensor<32x16xf32>) -> tensor<4x32xf32> {
  ^bb0(%a: tensor<4x16xf32>):
    %l = dnn.linear %a, %a : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x4xf32>
    dnn.yield %l : tensor<4x4xf32>
  }
  return %y : tensor<4x32xf32>
}

// -----

func.func @yields_other(%x: tensor<4x16xf32>, %w: tensor<32x16xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{must yield the last epilogue op's result}}
  %y = dnn.fused %x, %w : (tensor<4x16xf32>, tensor<32x16xf32>) -> tensor<4x32xf32> {
  ^bb0(%a: tensor<4x16xf32>, %b: tensor<32x16xf32>):
    %l = dnn.linear %a, %b : (tensor<4x16xf32>, tensor<32x16xf32>) -> tensor<4x32xf32>
    %t = dnn.activation relu %l : tensor<4x32xf32>
    dnn.yield %l : tensor<4x32xf32>
  }
  return %y : tensor<4x32xf32>
}

// -----

func.func @residual_not_arg(%x: tensor<4x16xf32>, %w: tensor<32x16xf32>) -> tensor<4x32xf32> {
  %y = dnn.fused %x, %w : (tensor<4x16xf32>, tensor<32x16xf32>) -> tensor<4x32xf32> {
  ^bb0(%a: tensor<4x16xf32>, %b: tensor<32x16xf32>):
    %l = dnn.linear %a, %b : (tensor<4x16xf32>, tensor<32x16xf32>) -> tensor<4x32xf32>
    // expected-error @+1 {{must add a body argument of the GEMM result's shape to it}}
    %s = dnn.add %l, %l : tensor<4x32xf32>, tensor<4x32xf32>
    dnn.yield %s : tensor<4x32xf32>
  }
  return %y : tensor<4x32xf32>
}
