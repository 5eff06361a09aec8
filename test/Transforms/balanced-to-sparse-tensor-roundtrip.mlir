// dnn-balanced-to-sparse-tensor then dnn-sparse-tensor-to-balanced gives
// the original module back: same ops, operands, layouts, discardable
// attributes (the tag rides on the matmul) and locations; the layers that
// are not exact stay untouched in between. Compared after --canonicalize, and also
// with no canonicalization through the textual form (separate processes).
// RUN: dnn-opt %s --canonicalize -mlir-print-debuginfo -o %t.original.mlir
// RUN: dnn-opt %s --dnn-balanced-to-sparse-tensor --dnn-sparse-tensor-to-balanced --canonicalize -mlir-print-debuginfo -o %t.roundtrip.mlir 2>/dev/null
// RUN: diff %t.original.mlir %t.roundtrip.mlir
// RUN: dnn-opt %s -o %t.plain.mlir
// RUN: dnn-opt %s --dnn-balanced-to-sparse-tensor 2>/dev/null | dnn-opt --dnn-sparse-tensor-to-balanced -o %t.text.mlir
// RUN: diff %t.plain.mlir %t.text.mlir
//
// In between, the five exact layers of @layers (and the one of
// @on_arguments) are sparse_tensor + linalg.matmul and the two others are
// still dnn.sparse_linear (so the diffs are not vacuous):
// RUN: dnn-opt %s --dnn-balanced-to-sparse-tensor 2>/dev/null | FileCheck %s --check-prefix=MID
// MID-LABEL: func.func @layers
// MID-NOT: dnn.sparse_linear
// MID-COUNT-5: sparse_tensor.assemble
// MID-NOT: sparse_tensor.assemble
// MID-COUNT-2: dnn.sparse_linear
// MID-NOT: dnn.sparse_linear
// MID-LABEL: func.func @on_arguments
// MID-NOT: dnn.sparse_linear
// MID: sparse_tensor.assemble
// MID-NOT: dnn.sparse_linear

func.func @layers(%x: tensor<4x16xf32>, %x3: tensor<2x3x8xf16>, %x1: tensor<24xf64>,
                  %xb: tensor<2x9xbf16>, %xp: tensor<2x10xf32>,
                  %v: tensor<6x2x2xf32>, %i: tensor<6x2x2xi8>, %b: tensor<6xf32>,
                  %i1: tensor<5x4x3xi16>)
    -> (tensor<4x6xf32>, tensor<4x5xf32>, tensor<2x3x5xf16>, tensor<3xf64>,
        tensor<2x2xbf16>, tensor<2x7xf32>, tensor<4x6xf32>) {
  // f32 2:8 with constant values, offsets (i8) and bias.
  %v0 = dnn.constant dense<[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]], [[-1.0, -2.0], [-3.0, -4.0]],
                            [[0.5, 0.25], [0.125, 1.5]], [[2.5, 3.5], [4.5, 5.5]], [[-0.5, 0.5], [1.0, -1.0]]]> : tensor<6x2x2xf32>
  %i0 = dnn.constant dense<[[[0, 7], [1, 6]], [[2, 5], [3, 4]], [[0, 1], [6, 7]],
                            [[4, 5], [0, 3]], [[1, 2], [2, 7]], [[3, 6], [0, 5]]]> : tensor<6x2x2xi8>
  %b0 = dnn.constant dense<[0.5, -0.5, 1.0, 0.0, 2.0, -2.0]> : tensor<6xf32>
  %y0 = dnn.sparse_linear %x, %v0, %i0, %b0 {layout =
      #dnn.balanced<bank_size = 8, nnz = 2, index_bits = 3, value_type = f32>, tag = "first"}
      : (tensor<4x16xf32>, tensor<6x2x2xf32>, tensor<6x2x2xi8>, tensor<6xf32>) -> tensor<4x6xf32> loc("fc0")
  // f32 3:4, i16 offsets from an argument, no bias.
  %v1 = dnn.constant dense<1.0> : tensor<5x4x3xf32>
  %y1 = dnn.sparse_linear %x, %v1, %i1 {layout =
      #dnn.balanced<bank_size = 4, nnz = 3, index_bits = 2, value_type = f32>}
      : (tensor<4x16xf32>, tensor<5x4x3xf32>, tensor<5x4x3xi16>) -> tensor<4x5xf32> loc("fc1")
  // f16 2:4 on a rank-3 input with bias.
  %v2 = dnn.constant dense<0.5> : tensor<5x2x2xf16>
  %i2 = dnn.constant dense<[[[0, 3], [1, 2]], [[0, 1], [2, 3]], [[1, 3], [0, 2]], [[2, 3], [0, 1]], [[0, 2], [1, 3]]]> : tensor<5x2x2xi8>
  %b2 = dnn.constant dense<-1.0> : tensor<5xf16>
  %y2 = dnn.sparse_linear %x3, %v2, %i2, %b2 {layout =
      #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f16>}
      : (tensor<2x3x8xf16>, tensor<5x2x2xf16>, tensor<5x2x2xi8>, tensor<5xf16>) -> tensor<2x3x5xf16> loc("fc2")
  // f64 5:8 on a rank-1 input, i32 offsets.
  %v3 = dnn.constant dense<0.25> : tensor<3x3x5xf64>
  %i3 = dnn.constant dense<[[[0, 1, 2, 3, 4], [1, 3, 5, 6, 7], [0, 2, 4, 6, 7]],
                            [[3, 4, 5, 6, 7], [0, 1, 2, 3, 7], [0, 1, 4, 5, 6]],
                            [[1, 2, 3, 5, 7], [0, 2, 3, 4, 6], [2, 3, 4, 6, 7]]]> : tensor<3x3x5xi32>
  %y3 = dnn.sparse_linear %x1, %v3, %i3 {layout =
      #dnn.balanced<bank_size = 8, nnz = 5, index_bits = 3, value_type = f64>}
      : (tensor<24xf64>, tensor<3x3x5xf64>, tensor<3x3x5xi32>) -> tensor<3xf64> loc("fc3")
  // bf16 1:3 (a bank size that is not a power of two), bias.
  %v4 = dnn.constant dense<[[[1.0], [2.0], [3.0]], [[4.0], [5.0], [6.0]]]> : tensor<2x3x1xbf16>
  %i4 = dnn.constant dense<[[[0], [1], [2]], [[2], [1], [0]]]> : tensor<2x3x1xi8>
  %b4 = dnn.constant dense<[0.5, 1.5]> : tensor<2xbf16>
  %y4 = dnn.sparse_linear %xb, %v4, %i4, %b4 {layout =
      #dnn.balanced<bank_size = 3, nnz = 1, index_bits = 2, value_type = bf16>}
      : (tensor<2x9xbf16>, tensor<2x3x1xbf16>, tensor<2x3x1xi8>, tensor<2xbf16>) -> tensor<2x2xbf16> loc("fc4")
  // Not exact: a partial last bank (K = 10, banks of 4) ...
  %v5 = dnn.constant dense<1.0> : tensor<7x3x1xf32>
  %i5 = dnn.constant dense<1> : tensor<7x3x1xi8>
  %y5 = dnn.sparse_linear %xp, %v5, %i5 {layout =
      #dnn.balanced<bank_size = 4, nnz = 1, index_bits = 2, value_type = f32>}
      : (tensor<2x10xf32>, tensor<7x3x1xf32>, tensor<7x3x1xi8>) -> tensor<2x7xf32> loc("partial")
  // ... and index_bits above what the bank needs.
  %y6 = dnn.sparse_linear %x, %v, %i, %b {layout =
      #dnn.balanced<bank_size = 8, nnz = 2, index_bits = 7, value_type = f32>}
      : (tensor<4x16xf32>, tensor<6x2x2xf32>, tensor<6x2x2xi8>, tensor<6xf32>) -> tensor<4x6xf32> loc("wide")
  return %y0, %y1, %y2, %y3, %y4, %y5, %y6
      : tensor<4x6xf32>, tensor<4x5xf32>, tensor<2x3x5xf16>, tensor<3xf64>,
        tensor<2x2xbf16>, tensor<2x7xf32>, tensor<4x6xf32>
}

// The layer on the arguments converts too (offsets from an argument).
func.func @on_arguments(%x: tensor<4x16xf32>, %v: tensor<6x2x2xf32>, %i: tensor<6x2x2xi8>, %b: tensor<6xf32>) -> tensor<4x6xf32> {
  %y = dnn.sparse_linear %x, %v, %i, %b {layout =
      #dnn.balanced<bank_size = 8, nnz = 2, index_bits = 3, value_type = f32>}
      : (tensor<4x16xf32>, tensor<6x2x2xf32>, tensor<6x2x2xi8>, tensor<6xf32>) -> tensor<4x6xf32> loc("args")
  return %y : tensor<4x6xf32>
}
