// RUN: dnn-opt %s | FileCheck %s
// RUN: dnn-opt %s | dnn-opt | FileCheck %s
// RUN: dnn-opt %s -mlir-print-op-generic | dnn-opt | FileCheck %s

// dnn.sparse_linear and #dnn.balanced round-trip (custom and generic form).

// A 6x8 weight in banks of 4 keeping 2 per bank (2:4), constant offsets.
// CHECK-LABEL: func.func @two_of_four
// CHECK: dnn.constant dense<{{\[}}{{\[}}[0, 3], [1, 2]]{{.*}} : tensor<6x2x2xi8>
// CHECK: dnn.sparse_linear %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {layout = #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>} : (tensor<3x8xf32>, tensor<6x2x2xf32>, tensor<6x2x2xi8>, tensor<6xf32>) -> tensor<3x6xf32>
func.func @two_of_four(%x: tensor<3x8xf32>, %v: tensor<6x2x2xf32>, %b: tensor<6xf32>) -> tensor<3x6xf32> {
  %i = dnn.constant dense<[[[0, 3], [1, 2]], [[0, 1], [2, 3]], [[1, 3], [0, 2]],
                           [[2, 3], [0, 1]], [[0, 2], [1, 3]], [[0, 3], [0, 3]]]> : tensor<6x2x2xi8>
  %y = dnn.sparse_linear %x, %v, %i, %b {layout =
      #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>}
      : (tensor<3x8xf32>, tensor<6x2x2xf32>, tensor<6x2x2xi8>, tensor<6xf32>) -> tensor<3x6xf32>
  return %y : tensor<3x6xf32>
}

// A partial last bank (K = 10, banks of 4: 3 banks), no bias, 16-bit
// values and offsets stored in i16; a rank-3 input.
// CHECK-LABEL: func.func @partial_bank
// CHECK: dnn.sparse_linear %{{.*}}, %{{.*}}, %{{.*}} {layout = #dnn.balanced<bank_size = 4, nnz = 1, index_bits = 2, value_type = f16>} : (tensor<2x5x10xf16>, tensor<7x3x1xf16>, tensor<7x3x1xi16>) -> tensor<2x5x7xf16>
func.func @partial_bank(%x: tensor<2x5x10xf16>, %v: tensor<7x3x1xf16>, %i: tensor<7x3x1xi16>) -> tensor<2x5x7xf16> {
  %y = dnn.sparse_linear %x, %v, %i {layout =
      #dnn.balanced<bank_size = 4, nnz = 1, index_bits = 2, value_type = f16>}
      : (tensor<2x5x10xf16>, tensor<7x3x1xf16>, tensor<7x3x1xi16>) -> tensor<2x5x7xf16>
  return %y : tensor<2x5x7xf16>
}

// Wider containers than the index needs are allowed (5 bits in i32).
// CHECK-LABEL: func.func @wide_container
// CHECK: #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 5, value_type = f32>
func.func @wide_container(%x: tensor<1x64xf32>, %v: tensor<4x2x8xf32>, %i: tensor<4x2x8xi32>) -> tensor<1x4xf32> {
  %y = dnn.sparse_linear %x, %v, %i {layout =
      #dnn.balanced<bank_size = 32, nnz = 8, index_bits = 5, value_type = f32>}
      : (tensor<1x64xf32>, tensor<4x2x8xf32>, tensor<4x2x8xi32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// dnn.sparse_conv2d: a 3x3 convolution of 3 channels (K = 27) in banks of 8
// (4 banks, the last partial), 2 kept per bank, stride 2, padding 1, bias.
// CHECK-LABEL: func.func @conv
// CHECK: dnn.sparse_conv2d %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {kernel = array<i64: 3, 3>, layout = #dnn.balanced<bank_size = 8, nnz = 2, index_bits = 3, value_type = f32>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<2x3x9x9xf32>, tensor<5x4x2xf32>, tensor<5x4x2xi8>, tensor<5xf32>) -> tensor<2x5x5x5xf32>
func.func @conv(%x: tensor<2x3x9x9xf32>, %v: tensor<5x4x2xf32>, %i: tensor<5x4x2xi8>, %b: tensor<5xf32>) -> tensor<2x5x5x5xf32> {
  %y = dnn.sparse_conv2d %x, %v, %i, %b {kernel = array<i64: 3, 3>,
      strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>,
      layout = #dnn.balanced<bank_size = 8, nnz = 2, index_bits = 3, value_type = f32>}
      : (tensor<2x3x9x9xf32>, tensor<5x4x2xf32>, tensor<5x4x2xi8>, tensor<5xf32>) -> tensor<2x5x5x5xf32>
  return %y : tensor<2x5x5x5xf32>
}

// A dilated 1x2 window without bias, f16.
// CHECK-LABEL: func.func @conv_dilated
// CHECK: dnn.sparse_conv2d {{.*}} -> tensor<1x4x6x4xf16>
func.func @conv_dilated(%x: tensor<1x2x6x6xf16>, %v: tensor<4x1x2xf16>, %i: tensor<4x1x2xi8>) -> tensor<1x4x6x4xf16> {
  %y = dnn.sparse_conv2d %x, %v, %i {kernel = array<i64: 1, 2>, dilation = array<i64: 1, 2>,
      layout = #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f16>}
      : (tensor<1x2x6x6xf16>, tensor<4x1x2xf16>, tensor<4x1x2xi8>) -> tensor<1x4x6x4xf16>
  return %y : tensor<1x4x6x4xf16>
}
