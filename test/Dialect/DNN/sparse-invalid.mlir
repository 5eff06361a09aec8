// RUN: dnn-opt %s -split-input-file -verify-diagnostics

// Diagnostics of #dnn.balanced and dnn.sparse_linear: layout parameters,
// shapes, element types and (for constant indices) every bank's offsets.

// expected-error @+1 {{#dnn.balanced: nnz must be in [1, bank_size = 4], got 5}}
func.func private @f() attributes {l = #dnn.balanced<bank_size = 4, nnz = 5, index_bits = 2, value_type = f32>}

// -----

// expected-error @+1 {{#dnn.balanced: bank_size must be in [1, 65536], got 0}}
func.func private @f() attributes {l = #dnn.balanced<bank_size = 0, nnz = 1, index_bits = 2, value_type = f32>}

// -----

// expected-error @+1 {{#dnn.balanced: index_bits must be in [5, 32] for bank_size 32, got 4}}
func.func private @f() attributes {l = #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 4, value_type = f32>}

// -----

// expected-error @+1 {{#dnn.balanced: value_type must be f16, bf16, f32 or f64, got 'i32'}}
func.func private @f() attributes {l = #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 5, value_type = i32>}

// -----

func.func @banks(%x: tensor<1x64xf32>, %v: tensor<4x3x8xf32>, %i: tensor<4x3x8xi8>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'dnn.sparse_linear' op input has 64 features, 2 banks of 32, but values have 3 banks}}
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 5, value_type = f32>}
      : (tensor<1x64xf32>, tensor<4x3x8xf32>, tensor<4x3x8xi8>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @nnz(%x: tensor<1x64xf32>, %v: tensor<4x2x4xf32>, %i: tensor<4x2x4xi8>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'dnn.sparse_linear' op values keep 4 entries per bank but the layout's nnz is 8}}
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 5, value_type = f32>}
      : (tensor<1x64xf32>, tensor<4x2x4xf32>, tensor<4x2x4xi8>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @shapes(%x: tensor<1x64xf32>, %v: tensor<4x2x8xf32>, %i: tensor<4x2x4xi8>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'dnn.sparse_linear' op failed to verify that all of {values, indices} have same shape}}
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 5, value_type = f32>}
      : (tensor<1x64xf32>, tensor<4x2x8xf32>, tensor<4x2x4xi8>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @value_type(%x: tensor<1x64xf32>, %v: tensor<4x2x8xf32>, %i: tensor<4x2x8xi8>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'dnn.sparse_linear' op values are 'f32' but the layout's value_type is 'f16'}}
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 5, value_type = f16>}
      : (tensor<1x64xf32>, tensor<4x2x8xf32>, tensor<4x2x8xi8>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @index_width(%x: tensor<1x512xf32>, %v: tensor<4x2x8xf32>, %i: tensor<4x2x8xi8>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'dnn.sparse_linear' op indices of 8 bits cannot hold the layout's index_bits = 9}}
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 256, nnz = 8, index_bits = 9, value_type = f32>}
      : (tensor<1x512xf32>, tensor<4x2x8xf32>, tensor<4x2x8xi8>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @index_type(%x: tensor<1x64xf32>, %v: tensor<4x2x8xf32>, %i: tensor<4x2x8xf32>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'dnn.sparse_linear' op operand #2 must be statically shaped non-empty i8/i16/i32 tensor of at most 2^48 bytes without encoding}}
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 5, value_type = f32>}
      : (tensor<1x64xf32>, tensor<4x2x8xf32>, tensor<4x2x8xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @bias(%x: tensor<1x64xf32>, %v: tensor<4x2x8xf32>, %i: tensor<4x2x8xi8>, %b: tensor<5xf32>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'dnn.sparse_linear' op bias must be a 1-D tensor of 4 elements (one per output feature)}}
  %y = dnn.sparse_linear %x, %v, %i, %b {layout = #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 5, value_type = f32>}
      : (tensor<1x64xf32>, tensor<4x2x8xf32>, tensor<4x2x8xi8>, tensor<5xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @missing_layout(%x: tensor<1x64xf32>, %v: tensor<4x2x8xf32>, %i: tensor<4x2x8xi8>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'dnn.sparse_linear' op requires attribute 'layout'}}
  %y = dnn.sparse_linear %x, %v, %i : (tensor<1x64xf32>, tensor<4x2x8xf32>, tensor<4x2x8xi8>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// Constant offsets: out of the bank.
func.func @offset_range(%x: tensor<1x8xf32>, %v: tensor<2x2x2xf32>) -> tensor<1x2xf32> {
  %i = dnn.constant dense<[[[0, 3], [1, 2]], [[0, 1], [2, 4]]]> : tensor<2x2x2xi8>
  // expected-error @+1 {{'dnn.sparse_linear' op bank 1 of row 1: entry 1 has offset 4, outside [0, 4)}}
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>}
      : (tensor<1x8xf32>, tensor<2x2x2xf32>, tensor<2x2x2xi8>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Constant offsets: a bank naming one column twice (so fewer than nnz
// distinct entries).
func.func @offset_repeat(%x: tensor<1x8xf32>, %v: tensor<2x2x2xf32>) -> tensor<1x2xf32> {
  %i = dnn.constant dense<[[[0, 3], [2, 2]], [[0, 1], [2, 3]]]> : tensor<2x2x2xi8>
  // expected-error @+1 {{'dnn.sparse_linear' op bank 1 of row 0: entry 1 has offset 2 after 2 (offsets must increase strictly within a bank)}}
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>}
      : (tensor<1x8xf32>, tensor<2x2x2xf32>, tensor<2x2x2xi8>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Offsets are unsigned: -1 in an i8 is 255.
func.func @offset_negative(%x: tensor<1x8xf32>, %v: tensor<2x2x2xf32>) -> tensor<1x2xf32> {
  %i = dnn.constant dense<[[[-1, 3], [1, 2]], [[0, 1], [2, 3]]]> : tensor<2x2x2xi8>
  // expected-error @+1 {{'dnn.sparse_linear' op bank 0 of row 0: entry 0 has offset 255, outside [0, 4)}}
  %y = dnn.sparse_linear %x, %v, %i {layout = #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>}
      : (tensor<1x8xf32>, tensor<2x2x2xf32>, tensor<2x2x2xi8>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @conv_banks(%x: tensor<1x3x8x8xf32>, %v: tensor<4x3x2xf32>, %i: tensor<4x3x2xi8>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'dnn.sparse_conv2d' op the window reads 27 features, 4 banks of 8, but values have 3 banks}}
  %y = dnn.sparse_conv2d %x, %v, %i {kernel = array<i64: 3, 3>, layout = #dnn.balanced<bank_size = 8, nnz = 2, index_bits = 3, value_type = f32>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x2xf32>, tensor<4x3x2xi8>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_kernel(%x: tensor<1x3x8x8xf32>, %v: tensor<4x4x2xf32>, %i: tensor<4x4x2xi8>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'dnn.sparse_conv2d' op 'kernel' must have 2 entries, got 3}}
  %y = dnn.sparse_conv2d %x, %v, %i {kernel = array<i64: 3, 3, 1>, layout = #dnn.balanced<bank_size = 8, nnz = 2, index_bits = 3, value_type = f32>}
      : (tensor<1x3x8x8xf32>, tensor<4x4x2xf32>, tensor<4x4x2xi8>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_window(%x: tensor<1x3x2x8xf32>, %v: tensor<4x4x2xf32>, %i: tensor<4x4x2xi8>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'dnn.sparse_conv2d' op kernel extent 3 exceeds the padded input height 2}}
  %y = dnn.sparse_conv2d %x, %v, %i {kernel = array<i64: 3, 3>, layout = #dnn.balanced<bank_size = 8, nnz = 2, index_bits = 3, value_type = f32>}
      : (tensor<1x3x2x8xf32>, tensor<4x4x2xf32>, tensor<4x4x2xi8>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_offsets(%x: tensor<1x1x4x4xf32>, %v: tensor<2x1x2xf32>) -> tensor<1x2x3x3xf32> {
  %i = dnn.constant dense<[[[0, 3]], [[2, 2]]]> : tensor<2x1x2xi8>
  // expected-error @+1 {{'dnn.sparse_conv2d' op bank 0 of row 1: entry 1 has offset 2 after 2 (offsets must increase strictly within a bank)}}
  %y = dnn.sparse_conv2d %x, %v, %i {kernel = array<i64: 2, 2>, layout = #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>}
      : (tensor<1x1x4x4xf32>, tensor<2x1x2xf32>, tensor<2x1x2xi8>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

func.func @conv_bias(%x: tensor<1x1x4x4xf32>, %v: tensor<2x1x2xf32>, %i: tensor<2x1x2xi8>, %b: tensor<3xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @+1 {{'dnn.sparse_conv2d' op bias must be a 1-D tensor of 2 elements (one per output channel)}}
  %y = dnn.sparse_conv2d %x, %v, %i, %b {kernel = array<i64: 2, 2>, layout = #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>}
      : (tensor<1x1x4x4xf32>, tensor<2x1x2xf32>, tensor<2x1x2xi8>, tensor<3xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

func.func @conv_no_kernel(%x: tensor<1x1x4x4xf32>, %v: tensor<2x1x2xf32>, %i: tensor<2x1x2xi8>) -> tensor<1x2x3x3xf32> {
  // expected-error @+1 {{'dnn.sparse_conv2d' op requires attribute 'kernel'}}
  %y = dnn.sparse_conv2d %x, %v, %i {layout = #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>}
      : (tensor<1x1x4x4xf32>, tensor<2x1x2xf32>, tensor<2x1x2xi8>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}
