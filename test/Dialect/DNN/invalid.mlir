// RUN: dnn-opt %s -split-input-file -verify-diagnostics

// Every diagnostic of the dnn ops: the shape rules in DNNOps.cpp, the ODS
// constraints that matter, and hostile inputs (zero-size dimensions, sizes
// whose arithmetic overflows 64 bits) that must be diagnosed, never crash.

//===----------------------------------------------------------------------===//
// ODS constraints shared by all ops
//===----------------------------------------------------------------------===//

// A tensor encoding has no meaning for a layer (and no lowering).
func.func @encoded_tensor(%x: tensor<2x3xf32, "enc">) {
  // expected-error @+1 {{'dnn.activation' op operand #0 must be statically shaped non-empty tensor of at most 2^48 bytes without encoding of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<2x3xf32, "enc">'}}
  %y = dnn.activation relu %x : tensor<2x3xf32, "enc">
  return
}

// -----

func.func @dynamic_shape(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op operand #0 must be statically shaped non-empty tensor of at most 2^48 bytes without encoding of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?x3x8x8xf32>'}}
  %y = dnn.conv2d %x, %w : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// A dynamic dimension where the result type is inferred while parsing: the
// ODS diagnostic, not a broadcasting error about a -9223372036854775808 size.
func.func @dynamic_shape_inferred(%a: tensor<?x4xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{'dnn.add' op operand #0 must be statically shaped non-empty tensor of at most 2^48 bytes without encoding of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<?x4xf32>'}}
  %y = dnn.add %a, %b : tensor<?x4xf32>, tensor<3x4xf32>
  return
}

// -----

// The inferred type of an element-wise op on an invalid operand is still the
// operand's, so its uses parse and the verifier has the last word.
func.func @dynamic_shape_used(%x: tensor<2x?xf32>) -> tensor<2x?xf32> {
  // expected-error @+1 {{'dnn.activation' op operand #0 must be statically shaped non-empty tensor of at most 2^48 bytes without encoding of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<2x?xf32>'}}
  %y = dnn.activation relu %x : tensor<2x?xf32>
  return %y : tensor<2x?xf32>
}

// -----

func.func @dynamic_channels_inferred(%x: tensor<2x?xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{'dnn.batch_norm' op operand #0 must be statically shaped non-empty tensor of at most 2^48 bytes without encoding of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<2x?xf32>'}}
  %y = dnn.batch_norm %x, %p, %p, %p, %p : tensor<2x?xf32>, tensor<8xf32>
  return
}

// -----

func.func @integer_element_type(%x: tensor<4x8xi32>) {
  // expected-error @+1 {{'dnn.activation' op operand #0 must be statically shaped non-empty tensor of at most 2^48 bytes without encoding of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<4x8xi32>'}}
  %y = dnn.activation relu %x : tensor<4x8xi32>
  return
}

// -----

// Hostile: an empty batch.
func.func @zero_size_dim(%x: tensor<0x3x4x4xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op operand #0 must be statically shaped non-empty tensor of at most 2^48 bytes without encoding of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<0x3x4x4xf32>'}}
  %y = dnn.conv2d %x, %w : (tensor<0x3x4x4xf32>, tensor<8x3x3x3xf32>) -> tensor<0x8x2x2xf32>
  return
}

// -----

// Hostile: no input channels, matched by a weight with none either.
func.func @zero_size_channels(%x: tensor<1x0x4x4xf32>, %w: tensor<8x0x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op operand #0 must be statically shaped non-empty tensor}}
  %y = dnn.conv2d %x, %w : (tensor<1x0x4x4xf32>, tensor<8x0x3x3xf32>) -> tensor<1x8x2x2xf32>
  return
}

// -----

// Hostile: an empty kernel.
func.func @zero_size_kernel(%x: tensor<1x3x4x4xf32>, %w: tensor<8x3x0x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op operand #1 must be statically shaped non-empty tensor}}
  %y = dnn.conv2d %x, %w : (tensor<1x3x4x4xf32>, tensor<8x3x0x3xf32>) -> tensor<1x8x5x2xf32>
  return
}

// -----

// Hostile: a zero-size dimension where the result type is inferred.
func.func @zero_size_inferred(%a: tensor<0x4xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{'dnn.add' op operand #0 must be statically shaped non-empty tensor}}
  %y = dnn.add %a, %b : tensor<0x4xf32>, tensor<3x4xf32>
  return
}

// -----

func.func @zero_size_result(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'dnn.reshape' op result #0 must be statically shaped non-empty tensor of at most 2^48 bytes without encoding of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<0xf32>'}}
  %y = dnn.reshape %x : tensor<2x3xf32> -> tensor<0xf32>
  return
}

// -----

func.func @element_type_mismatch(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf16>) {
  // expected-error @+1 {{'dnn.conv2d' op failed to verify that all of {input, weight, result} have same element type}}
  %y = dnn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @element_type_mismatch_add(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'dnn.add' op failed to verify that all of {lhs, rhs, result} have same element type}}
  %y = dnn.add %a, %b : tensor<4xf32>, tensor<4xf16>
  return
}

// -----

func.func @wrong_result_type(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{'dnn.conv2d' op inferred type(s) 'tensor<1x4x6x6xf32>' are incompatible with return type(s) of operation 'tensor<1x4x8x8xf32>'}}
  // expected-error @+1 {{'dnn.conv2d' op failed to infer returned types}}
  %y = dnn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

// The generic form states the result type of an op whose custom form infers
// it.
func.func @wrong_result_type_generic(%a: tensor<4x1xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'dnn.add' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<4x1xf32>'}}
  // expected-error @+1 {{'dnn.add' op failed to infer returned types}}
  %y = "dnn.add"(%a, %b) : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x1xf32>
  return
}

// -----

func.func @wrong_attribute_type(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dnn.softmax' op attribute 'axis' failed to satisfy constraint: 64-bit signless integer attribute}}
  %y = dnn.softmax %x {axis = 1 : i32} : tensor<4x8xf32>
  return
}

// -----

func.func @wrong_array_attribute(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op attribute 'strides' failed to satisfy constraint: i64 dense array attribute}}
  %y = dnn.conv2d %x, %w {strides = dense<1> : tensor<2xi64>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// dnn.conv2d
//===----------------------------------------------------------------------===//

func.func @conv2d_input_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op expects a 4-D input (N x C x H x W), got rank 3}}
  %y = dnn.conv2d %x, %w : (tensor<3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_weight_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x27xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op expects a 4-D weight (F x C/groups x KH x KW), got rank 2}}
  %y = dnn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x27xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_strides_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op 'strides' must have 2 entries, got 3}}
  %y = dnn.conv2d %x, %w {strides = array<i64: 1, 1, 1>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Hostile: a negative stride.
func.func @conv2d_negative_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op 'strides' entries must be at least 1, got [-1, 1]}}
  %y = dnn.conv2d %x, %w {strides = array<i64: -1, 1>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_padding_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op 'padding' must have 4 entries, got 2}}
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv2d_negative_padding(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op 'padding' entries must be at least 0, got [0, 0, -1, 0]}}
  %y = dnn.conv2d %x, %w {padding = array<i64: 0, 0, -1, 0>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x5x6xf32>
  return
}

// -----

func.func @conv2d_zero_dilation(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op 'dilation' entries must be at least 1, got [1, 0]}}
  %y = dnn.conv2d %x, %w {dilation = array<i64: 1, 0>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x8xf32>
  return
}

// -----

// Hostile: no groups.
func.func @conv2d_zero_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op 'groups' must be at least 1, got 0}}
  %y = dnn.conv2d %x, %w {groups = 0 : i64}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_negative_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op 'groups' must be at least 1, got -9223372036854775808}}
  %y = dnn.conv2d %x, %w {groups = -9223372036854775808 : i64}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_input_channels_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op input channels (3) are not divisible by groups (2)}}
  %y = dnn.conv2d %x, %w {groups = 2 : i64}
      : (tensor<1x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_output_channels_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<6x1x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op output channels (6) are not divisible by groups (4)}}
  %y = dnn.conv2d %x, %w {groups = 4 : i64}
      : (tensor<1x4x8x8xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @conv2d_weight_channels(%x: tensor<1x32x8x8xf32>, %w: tensor<64x32x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op weight has 32 input channels per group, expected 32/4 = 8}}
  %y = dnn.conv2d %x, %w {groups = 4 : i64}
      : (tensor<1x32x8x8xf32>, tensor<64x32x3x3xf32>) -> tensor<1x64x6x6xf32>
  return
}

// -----

// Hostile: a bias that does not match the filters.
func.func @conv2d_bias_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op bias must be a 1-D tensor of 4 elements (one per output channel)}}
  %y = dnn.conv2d %x, %w, %b
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_bias_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op bias must be a 1-D tensor of 4 elements (one per output channel)}}
  %y = dnn.conv2d %x, %w, %b
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<1x4xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_bias_mixed_precision(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'dnn.conv2d' op bias element type 'f16' differs from the input element type 'f32'}}
  %y = dnn.conv2d %x, %w, %b
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf16>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_bias_element_type(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xi32>) {
  // expected-error @+1 {{'dnn.conv2d' op operand #2 must be statically shaped non-empty tensor}}
  %y = dnn.conv2d %x, %w, %b
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xi32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_kernel_too_large(%x: tensor<1x3x4x4xf32>, %w: tensor<4x3x5x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op kernel extent 5 exceeds the padded input height 4}}
  %y = dnn.conv2d %x, %w : (tensor<1x3x4x4xf32>, tensor<4x3x5x3xf32>) -> tensor<1x4x1x2xf32>
  return
}

// -----

// Dilation 3 stretches a 3-wide kernel to 7 > 4 + 1 + 1.
func.func @conv2d_dilated_kernel_too_large(%x: tensor<1x3x4x4xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op kernel extent 7 exceeds the padded input width 6}}
  %y = dnn.conv2d %x, %w {dilation = array<i64: 1, 3>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x3x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x1xf32>
  return
}

// -----

// Hostile: padding whose sum overflows 64 bits (it wrapped around to a
// "padded input height 2" before).
func.func @conv2d_huge_padding(%x: tensor<1x3x4x4xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op window arithmetic along the height overflows 64 bits (input 4, padding 9223372036854775807 + 9223372036854775807, kernel 3, dilation 1)}}
  %y = dnn.conv2d %x, %w {padding = array<i64: 9223372036854775807, 0, 9223372036854775807, 0>}
      : (tensor<1x3x4x4xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x2x2xf32>
  return
}

// -----

// Hostile: a dilated kernel extent that overflows 64 bits.
func.func @conv2d_huge_dilation(%x: tensor<1x3x4x4xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{'dnn.conv2d' op window arithmetic along the width overflows 64 bits (input 4, padding 0 + 0, kernel 3, dilation 9223372036854775807)}}
  %y = dnn.conv2d %x, %w {dilation = array<i64: 1, 9223372036854775807>}
      : (tensor<1x3x4x4xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x2x2xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// dnn.linear
//===----------------------------------------------------------------------===//

func.func @linear_scalar_input(%x: tensor<f32>, %w: tensor<4x1xf32>) {
  // expected-error @+1 {{'dnn.linear' op expects an input of rank 1 or more}}
  %y = dnn.linear %x, %w : (tensor<f32>, tensor<4x1xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<8x16xf32>, %w: tensor<2x4x16xf32>) {
  // expected-error @+1 {{'dnn.linear' op expects a 2-D weight (N x K), got rank 3}}
  %y = dnn.linear %x, %w : (tensor<8x16xf32>, tensor<2x4x16xf32>) -> tensor<8x4xf32>
  return
}

// -----

// The weight is N x K (PyTorch layout), not K x N.
func.func @linear_features(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>) {
  // expected-error @+1 {{'dnn.linear' op input has 16 features but the weight expects 4}}
  %y = dnn.linear %x, %w : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<8x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'dnn.linear' op bias must be a 1-D tensor of 4 elements (one per output feature)}}
  %y = dnn.linear %x, %w, %b : (tensor<8x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @linear_bias_mixed_precision(%x: tensor<8x16xf32>, %w: tensor<4x16xf32>, %b: tensor<4xbf16>) {
  // expected-error @+1 {{'dnn.linear' op bias element type 'bf16' differs from the input element type 'f32'}}
  %y = dnn.linear %x, %w, %b : (tensor<8x16xf32>, tensor<4x16xf32>, tensor<4xbf16>) -> tensor<8x4xf32>
  return
}

// -----

func.func @linear_result(%x: tensor<2x8x16xf32>, %w: tensor<4x16xf32>) {
  // expected-error @+2 {{'dnn.linear' op inferred type(s) 'tensor<2x8x4xf32>' are incompatible with return type(s) of operation 'tensor<16x4xf32>'}}
  // expected-error @+1 {{'dnn.linear' op failed to infer returned types}}
  %y = dnn.linear %x, %w : (tensor<2x8x16xf32>, tensor<4x16xf32>) -> tensor<16x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// dnn.matmul
//===----------------------------------------------------------------------===//

func.func @matmul_rank(%a: tensor<16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+1 {{'dnn.matmul' op expects operands of rank 2 or more, got ranks 1 and 2}}
  %c = dnn.matmul %a, %b : (tensor<16xf32>, tensor<16x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @matmul_contracting(%a: tensor<8x16xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'dnn.matmul' op contracting dimensions differ: lhs [8, 16] has K = 16, rhs [8, 4] has K = 8}}
  %c = dnn.matmul %a, %b : (tensor<8x16xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x8x16xf32>, %b: tensor<3x16x4xf32>) {
  // expected-error @+1 {{'dnn.matmul' op batch dimensions [2] and [3] do not broadcast}}
  %c = dnn.matmul %a, %b : (tensor<2x8x16xf32>, tensor<3x16x4xf32>) -> tensor<3x8x4xf32>
  return
}

// -----

func.func @matmul_element_types(%a: tensor<8x16xf16>, %b: tensor<16x4xbf16>) {
  // expected-error @+1 {{'dnn.matmul' op failed to verify that all of {lhs, rhs, result} have same element type}}
  %c = dnn.matmul %a, %b : (tensor<8x16xf16>, tensor<16x4xbf16>) -> tensor<8x4xf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// dnn.batch_norm
//===----------------------------------------------------------------------===//

func.func @batch_norm_rank(%x: tensor<8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{'dnn.batch_norm' op expects an input of rank 2 or more (N x C x ...), got rank 1}}
  %y = dnn.batch_norm %x, %p, %p, %p, %p : tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @batch_norm_channels(%x: tensor<1x64x4x4xf32>, %p: tensor<32xf32>) {
  // expected-error @+1 {{'dnn.batch_norm' op scale, offset, mean and variance must be 1-D tensors of 64 elements (one per channel)}}
  %y = dnn.batch_norm %x, %p, %p, %p, %p : tensor<1x64x4x4xf32>, tensor<32xf32>
  return
}

// -----

func.func @batch_norm_parameter_rank(%x: tensor<1x64x4x4xf32>, %p: tensor<1x64xf32>) {
  // expected-error @+1 {{'dnn.batch_norm' op scale, offset, mean and variance must be 1-D tensors of 64 elements (one per channel)}}
  %y = dnn.batch_norm %x, %p, %p, %p, %p : tensor<1x64x4x4xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @batch_norm_parameter_types(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>, %v: tensor<16xf32>) {
  // expected-error @+1 {{'dnn.batch_norm' op failed to verify that all of {scale, offset, mean, variance} have same type}}
  %y = "dnn.batch_norm"(%x, %p, %p, %p, %v)
      : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16xf32>) -> tensor<1x8x4x4xf32>
  return
}

// -----

func.func @batch_norm_element_types(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf16>) {
  // expected-error @+1 {{'dnn.batch_norm' op failed to verify that all of {input, scale} have same element type}}
  %y = dnn.batch_norm %x, %p, %p, %p, %p : tensor<1x8x4x4xf32>, tensor<8xf16>
  return
}

// -----

func.func @batch_norm_negative_epsilon(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{'dnn.batch_norm' op 'epsilon' must be a non-negative finite number, got -1.000000e-05}}
  %y = dnn.batch_norm %x, %p, %p, %p, %p {epsilon = -1.0e-5 : f64} : tensor<1x8x4x4xf32>, tensor<8xf32>
  return
}

// -----

func.func @batch_norm_infinite_epsilon(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{'dnn.batch_norm' op 'epsilon' must be a non-negative finite number, got INF}}
  %y = dnn.batch_norm %x, %p, %p, %p, %p {epsilon = 0x7FF0000000000000 : f64} : tensor<1x8x4x4xf32>, tensor<8xf32>
  return
}

// -----

func.func @batch_norm_nan_epsilon(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{'dnn.batch_norm' op 'epsilon' must be a non-negative finite number, got nan}}
  %y = dnn.batch_norm %x, %p, %p, %p, %p {epsilon = 0x7FF8000000000000 : f64} : tensor<1x8x4x4xf32>, tensor<8xf32>
  return
}

// -----

func.func @batch_norm_epsilon_type(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{'dnn.batch_norm' op attribute 'epsilon' failed to satisfy constraint: 64-bit float attribute}}
  %y = dnn.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-5 : f32} : tensor<1x8x4x4xf32>, tensor<8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// dnn.activation, dnn.add, dnn.softmax
//===----------------------------------------------------------------------===//

func.func @activation_unknown_kind(%x: tensor<4xf32>) {
  // expected-error @+1 {{custom op 'dnn.activation' expected string or keyword containing one of the following enum values for attribute 'kind' [relu, relu6, sigmoid, tanh, gelu, gelu_tanh]}}
  %y = dnn.activation swish %x : tensor<4xf32>
  return
}

// -----

func.func @add_broadcast(%a: tensor<4x3xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+1 {{'dnn.add' op operand shapes [4, 3] and [2, 3] do not broadcast}}
  %y = dnn.add %a, %b : tensor<4x3xf32>, tensor<2x3xf32>
  return
}

// -----

func.func @add_broadcast_generic(%a: tensor<4x3xf32>, %b: tensor<2x4x2xf32>) {
  // expected-error @+1 {{'dnn.add' op operand shapes [4, 3] and [2, 4, 2] do not broadcast}}
  %y = "dnn.add"(%a, %b) : (tensor<4x3xf32>, tensor<2x4x2xf32>) -> tensor<2x4x3xf32>
  return
}

// -----

func.func @softmax_missing_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dnn.softmax' op requires attribute 'axis'}}
  %y = dnn.softmax %x : tensor<4x8xf32>
  return
}

// -----

func.func @softmax_missing_axis_generic(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dnn.softmax' op requires attribute 'axis'}}
  %y = "dnn.softmax"(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dnn.softmax' op 'axis' 2 is out of range [0, 2) for rank 2}}
  %y = dnn.softmax %x {axis = 2 : i64} : tensor<4x8xf32>
  return
}

// -----

// Negative axes are not accepted (there is no counting from the end).
func.func @softmax_negative_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dnn.softmax' op 'axis' -1 is out of range [0, 2) for rank 2}}
  %y = dnn.softmax %x {axis = -1 : i64} : tensor<4x8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

func.func @max_pool2d_missing_kernel(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'dnn.max_pool2d' op requires attribute 'kernel_size'}}
  %y = dnn.max_pool2d %x : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @max_pool2d_input_rank(%x: tensor<4x8x8xf32>) {
  // expected-error @+1 {{'dnn.max_pool2d' op expects a 4-D input (N x C x H x W), got rank 3}}
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 2, 2>} : tensor<4x8x8xf32> -> tensor<4x7x7xf32>
  return
}

// -----

func.func @max_pool2d_kernel_size(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'dnn.max_pool2d' op 'kernel_size' must have 2 entries, got 1}}
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x7x7xf32>
  return
}

// -----

func.func @max_pool2d_empty_kernel(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'dnn.max_pool2d' op 'kernel_size' entries must be at least 1, got [0, 2]}}
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 0, 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x9x7xf32>
  return
}

// -----

func.func @max_pool2d_strides(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'dnn.max_pool2d' op 'strides' entries must be at least 1, got [2, 0]}}
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 0>}
      : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @max_pool2d_dilation(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'dnn.max_pool2d' op 'dilation' must have 2 entries, got 0}}
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 2, 2>, dilation = array<i64>}
      : tensor<1x4x8x8xf32> -> tensor<1x4x7x7xf32>
  return
}

// -----

// A window of only padding would have no maximum.
func.func @max_pool2d_padding(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'dnn.max_pool2d' op padding [0, 0, 0, 3] must be smaller than the kernel extent in each dimension, [3, 3]}}
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 3, 3>, padding = array<i64: 0, 0, 0, 3>}
      : tensor<1x4x8x8xf32> -> tensor<1x4x6x9xf32>
  return
}

// -----

// Dilation widens the extent the padding is compared with: 2 < 1 * 2 + 1
// holds, 3 < 2 * 1 + 1 does not.
func.func @max_pool2d_dilated_padding(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'dnn.max_pool2d' op padding [2, 3, 2, 3] must be smaller than the kernel extent in each dimension, [5, 3]}}
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 3, 3>, dilation = array<i64: 2, 1>,
                          padding = array<i64: 2, 3, 2, 3>}
      : tensor<1x4x8x8xf32> -> tensor<1x4x8x12xf32>
  return
}

// -----

func.func @max_pool2d_kernel_too_large(%x: tensor<1x4x2x8xf32>) {
  // expected-error @+1 {{'dnn.max_pool2d' op kernel extent 3 exceeds the padded input height 2}}
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 3, 3>} : tensor<1x4x2x8xf32> -> tensor<1x4x1x6xf32>
  return
}

// -----

func.func @max_pool2d_ceil_mode_result(%x: tensor<1x1x5x5xf32>) {
  // expected-error @+2 {{'dnn.max_pool2d' op inferred type(s) 'tensor<1x1x3x3xf32>' are incompatible with return type(s) of operation 'tensor<1x1x2x2xf32>'}}
  // expected-error @+1 {{'dnn.max_pool2d' op failed to infer returned types}}
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = true}
      : tensor<1x1x5x5xf32> -> tensor<1x1x2x2xf32>
  return
}

// -----

// Hostile: a dilated extent that overflows, with a padding that would pass
// the padding check against a wrapped-around extent.
func.func @max_pool2d_huge_dilation(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'dnn.max_pool2d' op window arithmetic along the height overflows 64 bits (input 8, padding 1 + 1, kernel 3, dilation 4611686018427387904)}}
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 3, 3>, dilation = array<i64: 4611686018427387904, 1>,
                          padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x4x8x8xf32> -> tensor<1x4x1x8xf32>
  return
}

// -----

func.func @avg_pool2d_missing_kernel(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'dnn.avg_pool2d' op requires attribute 'kernel_size'}}
  %y = dnn.avg_pool2d %x {strides = array<i64: 2, 2>} : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @avg_pool2d_padding(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'dnn.avg_pool2d' op padding [2, 2, 2, 2] must be smaller than the kernel extent in each dimension, [2, 2]}}
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>,
                          count_include_pad = true}
      : tensor<1x4x8x8xf32> -> tensor<1x4x11x11xf32>
  return
}

// -----

func.func @avg_pool2d_result(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+2 {{'dnn.avg_pool2d' op inferred type(s) 'tensor<1x4x4x4xf32>' are incompatible with return type(s) of operation 'tensor<1x4x7x7xf32>'}}
  // expected-error @+1 {{'dnn.avg_pool2d' op failed to infer returned types}}
  %y = "dnn.avg_pool2d"(%x) <{kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>}>
      : (tensor<1x4x8x8xf32>) -> tensor<1x4x7x7xf32>
  return
}

// -----

func.func @global_avg_pool_rank(%x: tensor<1x512xf32>) {
  // expected-error @+1 {{'dnn.global_avg_pool' op expects an input of rank 3 or more (N x C x spatial), got rank 2}}
  %y = dnn.global_avg_pool %x : tensor<1x512xf32> -> tensor<1x512xf32>
  return
}

// -----

func.func @global_avg_pool_result(%x: tensor<1x512x7x7xf32>) {
  // expected-error @+2 {{'dnn.global_avg_pool' op inferred type(s) 'tensor<1x512x1x1xf32>' are incompatible with return type(s) of operation 'tensor<1x512xf32>'}}
  // expected-error @+1 {{'dnn.global_avg_pool' op failed to infer returned types}}
  %y = dnn.global_avg_pool %x : tensor<1x512x7x7xf32> -> tensor<1x512xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// dnn.flatten, dnn.reshape, dnn.concat
//===----------------------------------------------------------------------===//

func.func @flatten_axis(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'dnn.flatten' op 'axis' 4 is out of range [0, 4) for rank 3}}
  %y = dnn.flatten %x {axis = 4 : i64} : tensor<2x3x4xf32> -> tensor<24x1xf32>
  return
}

// -----

// The default axis 1 is out of range for a scalar.
func.func @flatten_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'dnn.flatten' op 'axis' 1 is out of range [0, 1) for rank 0}}
  %y = dnn.flatten %x : tensor<f32> -> tensor<1x1xf32>
  return
}

// -----

func.func @flatten_result(%x: tensor<2x3x4xf32>) {
  // expected-error @+2 {{'dnn.flatten' op inferred type(s) 'tensor<6x4xf32>' are incompatible with return type(s) of operation 'tensor<2x12xf32>'}}
  // expected-error @+1 {{'dnn.flatten' op failed to infer returned types}}
  %y = dnn.flatten %x {axis = 2 : i64} : tensor<2x3x4xf32> -> tensor<2x12xf32>
  return
}

// -----

// Hostile: 2^32 x 2^32 elements wrapped around to 0 before; now the operand
// type itself is refused (more than 2^48 bytes).
func.func @flatten_overflow(%x: tensor<4294967296x4294967296xf32>) {
  // expected-error @+1 {{'dnn.flatten' op operand #0 must be statically shaped non-empty tensor of at most 2^48 bytes without encoding}}
  %y = dnn.flatten %x {axis = 0 : i64} : tensor<4294967296x4294967296xf32> -> tensor<1x1xf32>
  return
}

// -----

func.func @reshape_elements(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'dnn.reshape' op cannot reshape 24 elements into 25}}
  %y = dnn.reshape %x : tensor<2x3x4xf32> -> tensor<5x5xf32>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'dnn.reshape' op failed to verify that all of {input, result} have same element type}}
  %y = dnn.reshape %x : tensor<2x3xf32> -> tensor<6xf16>
  return
}

// -----

// Hostile: an element count past 64 bits (it matched a wrapped-around 1).
func.func @reshape_overflow(%x: tensor<4294967296x4294967296xf32>) {
  // expected-error @+1 {{'dnn.reshape' op operand #0 must be statically shaped non-empty tensor of at most 2^48 bytes without encoding}}
  %y = dnn.reshape %x : tensor<4294967296x4294967296xf32> -> tensor<1xf32>
  return
}

// -----

func.func @concat_no_inputs() {
  // expected-error @+1 {{'dnn.concat' op expects at least one input}}
  %y = dnn.concat {axis = 0 : i64} : () -> tensor<1xf32>
  return
}

// -----

func.func @concat_missing_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'dnn.concat' op requires attribute 'axis'}}
  %y = dnn.concat %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+1 {{'dnn.concat' op 'axis' 2 is out of range [0, 2) for rank 2}}
  %y = dnn.concat %a, %b {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<2x3x1xf32>) {
  // expected-error @+1 {{'dnn.concat' op input #1 has rank 3, input #0 has rank 2}}
  %y = dnn.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3x1xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_shape(%a: tensor<1x64x28x28xf32>, %b: tensor<1x32x28x28xf32>, %c: tensor<1x32x14x14xf32>) {
  // expected-error @+1 {{'dnn.concat' op input #2 has shape [1, 32, 14, 14], which differs from input #0 [1, 64, 28, 28] outside axis 1}}
  %y = dnn.concat %a, %b, %c {axis = 1 : i64}
      : (tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>, tensor<1x32x14x14xf32>) -> tensor<1x128x28x28xf32>
  return
}

// -----

func.func @concat_element_type(%a: tensor<2x3xf32>, %b: tensor<2x3xf16>) {
  // expected-error @+1 {{'dnn.concat' op requires the same element type for all operands and results}}
  %y = dnn.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf16>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_result(%a: tensor<2x3xf32>, %b: tensor<5x3xf32>) {
  // expected-error @+2 {{'dnn.concat' op inferred type(s) 'tensor<7x3xf32>' are incompatible with return type(s) of operation 'tensor<2x6xf32>'}}
  // expected-error @+1 {{'dnn.concat' op failed to infer returned types}}
  %y = dnn.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<5x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

// Hostile: the concatenated size overflows 64 bits (it wrapped around to a
// negative size before); the operand type itself is refused now.
func.func @concat_overflow(%a: tensor<9223372036854775807xf32>) {
  // expected-error @+1 {{'dnn.concat' op operand #0 must be variadic of statically shaped non-empty tensor of at most 2^48 bytes}}
  %y = dnn.concat %a, %a {axis = 0 : i64}
      : (tensor<9223372036854775807xf32>, tensor<9223372036854775807xf32>) -> tensor<1xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// dnn.constant
//===----------------------------------------------------------------------===//

func.func @constant_not_tensor() {
  // expected-error @+1 {{'dnn.constant' op requires a tensor-typed 'value' attribute}}
  %w = dnn.constant dense<1.0> : vector<4xf32>
  return
}

// -----

// Integer constants hold in-bank offsets (i8/i16/i32, see dnn.sparse_linear);
// other integer types are not dnn constants.
func.func @constant_integer() {
  // expected-error @+1 {{'dnn.constant' op result #0 must be statically shaped non-empty float or i8/i16/i32 tensor of at most 2^48 bytes without encoding of 16-bit float or bfloat16 type or 32-bit float or 64-bit float or 8-bit signless integer or 16-bit signless integer or 32-bit signless integer values, but got 'tensor<4xi64>'}}
  %w = dnn.constant dense<1> : tensor<4xi64>
  return
}

// -----

func.func @constant_empty() {
  // expected-error @+1 {{'dnn.constant' op result #0 must be statically shaped non-empty float or i8/i16/i32 tensor}}
  %w = dnn.constant dense<> : tensor<0x4xf32>
  return
}

// -----

func.func @constant_result_type() {
  // expected-error @+2 {{'dnn.constant' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<2x2xf32>'}}
  // expected-error @+1 {{'dnn.constant' op failed to infer returned types}}
  %w = "dnn.constant"() <{value = dense<1.0> : tensor<4xf32>}> : () -> tensor<2x2xf32>
  return
}

// -----

func.func @mul_no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+1 {{'dnn.mul' op operand shapes [2, 3] and [4, 3] do not broadcast}}
  %y = dnn.mul %a, %b : tensor<2x3xf32>, tensor<4x3xf32>
  return
}

// -----

func.func @transpose_wrong_length(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'dnn.transpose' op 'permutation' must have 2 entries (the input rank), got 3}}
  %y = dnn.transpose %x {permutation = array<i64: 0, 1, 2>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_not_permutation(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'dnn.transpose' op 'permutation' [0, 2, 2] is not a permutation of [0, 3)}}
  %y = dnn.transpose %x {permutation = array<i64: 0, 2, 2>} : tensor<2x3x4xf32> -> tensor<2x4x4xf32>
  return
}

// -----

func.func @transpose_out_of_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'dnn.transpose' op 'permutation' [0, -1] is not a permutation of [0, 2)}}
  %y = dnn.transpose %x {permutation = array<i64: 0, -1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_wrong_result(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'dnn.transpose' op inferred type(s) 'tensor<3x2xf32>' are incompatible with return type(s) of operation 'tensor<2x3xf32>'}}
  // expected-error @+1 {{'dnn.transpose' op failed to infer returned types}}
  %y = dnn.transpose %x {permutation = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @avg_pool_dilation_zero(%x: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{'dnn.avg_pool2d' op 'dilation' entries must be at least 1, got [0, 1]}}
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 2, 2>, dilation = array<i64: 0, 1>} : tensor<1x1x8x8xf32> -> tensor<1x1x7x7xf32>
  return
}

// -----

// 2^48 bytes is the most one tensor may hold: 2^46 f32 elements verify, one
// more row does not (the bound keeps sizes and offsets far from overflow).
func.func @largest(%x: tensor<65536x1073741824xf32>) -> tensor<65536x1073741824xf32> {
  %y = dnn.activation relu %x : tensor<65536x1073741824xf32>
  return %y : tensor<65536x1073741824xf32>
}

// -----

func.func @too_large(%x: tensor<65537x1073741824xf32>) {
  // expected-error @+1 {{'dnn.activation' op operand #0 must be statically shaped non-empty tensor of at most 2^48 bytes without encoding}}
  %y = dnn.activation relu %x : tensor<65537x1073741824xf32>
  return
}

// -----

// A dense_resource weight must name a blob of the module holding exactly its
// bytes: a shorter blob would be read past its end.
func.func @resource_short() -> tensor<2xf32> {
  // expected-error @+1 {{'dnn.constant' op dense_resource 'short' holds 6 bytes, but 'tensor<2xf32>' needs 8}}
  %w = dnn.constant dense_resource<short> : tensor<2xf32>
  return %w : tensor<2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      short: "0x040000000000803F0000"
    }
  }
#-}

// -----

func.func @resource_missing() -> tensor<2xf32> {
  // expected-error @+1 {{'dnn.constant' op dense_resource 'nowhere' has no data: the module's dialect_resources have no blob of that name}}
  %w = dnn.constant dense_resource<nowhere> : tensor<2xf32>
  return %w : tensor<2xf32>
}
