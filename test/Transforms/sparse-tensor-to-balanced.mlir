// RUN: dnn-opt %s -split-input-file --dnn-sparse-tensor-to-balanced 2>/dev/null | FileCheck %s
// RUN: dnn-opt %s -split-input-file --dnn-sparse-tensor-to-balanced -verify-diagnostics -o /dev/null

// dnn-sparse-tensor-to-balanced on IR that dnn-balanced-to-sparse-tensor
// did not write: a linalg.matmul with B transposed whose B is a
// sparse_tensor.assemble with a structured[n, m] level on its last dim
// becomes dnn.sparse_linear; anything else on such a weight stays, with a
// remark. The way back from the forward pass's own output is in
// balanced-to-sparse-tensor-roundtrip.mlir.

#NV24 = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, j floordiv 4 : dense, j mod 4 : structured[2, 4]), crdWidth = 8}>
#xk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>

// Flat coordinates and values from the arguments (reshaped to 3 x 2 x 2),
// the bias broadcast by a linalg.generic; the matmul, the broadcast and the
// assemble are gone.
// CHECK-LABEL: func.func @generic_bias
// CHECK-SAME: (%[[X:.+]]: tensor<3x8xf32>, %[[CRD:.+]]: tensor<12xi8>, %[[VAL:.+]]: tensor<12xf32>, %[[B:.+]]: tensor<3xf32>)
// CHECK-DAG: %[[V:.+]] = tensor.expand_shape %[[VAL]] {{\[\[}}0, 1, 2]] output_shape [3, 2, 2] : tensor<12xf32> into tensor<3x2x2xf32>
// CHECK-DAG: %[[I:.+]] = tensor.expand_shape %[[CRD]] {{\[\[}}0, 1, 2]] output_shape [3, 2, 2] : tensor<12xi8> into tensor<3x2x2xi8>
// CHECK: %[[Y:.+]] = dnn.sparse_linear %[[X]], %[[V]], %[[I]], %[[B]] {layout = #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>} : (tensor<3x8xf32>, tensor<3x2x2xf32>, tensor<3x2x2xi8>, tensor<3xf32>) -> tensor<3x3xf32>
// CHECK-NOT: linalg.
// CHECK-NOT: sparse_tensor.
// CHECK: return %[[Y]]
func.func @generic_bias(%x: tensor<3x8xf32>, %crd: tensor<12xi8>, %val: tensor<12xf32>, %b: tensor<3xf32>) -> tensor<3x3xf32> {
  %w = sparse_tensor.assemble (%crd), %val : (tensor<12xi8>), tensor<12xf32> to tensor<3x8xf32, #NV24>
  %e = tensor.empty() : tensor<3x3xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<3xf32>) outs(%e : tensor<3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<3x3xf32>
  %y = linalg.matmul indexing_maps = [#xk, #nk, #mn] ins(%x, %w : tensor<3x8xf32>, tensor<3x8xf32, #NV24>) outs(%init : tensor<3x3xf32>) -> tensor<3x3xf32>
  return %y : tensor<3x3xf32>
}

// A zero constant accumulator (no bias); x collapsed from rank 3 but the
// result not expanded: the layer takes the rank-3 x and its result is
// collapsed for the existing user.
// CHECK-LABEL: func.func @zero_constant
// CHECK: %[[Y:.+]] = dnn.sparse_linear %arg0, %{{.+}}, %{{.+}} {layout = #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>} : (tensor<2x2x8xf32>, tensor<3x2x2xf32>, tensor<3x2x2xi8>) -> tensor<2x2x3xf32>
// CHECK: %[[C:.+]] = tensor.collapse_shape %[[Y]] {{\[\[}}0, 1], [2]] : tensor<2x2x3xf32> into tensor<4x3xf32>
// CHECK: return %[[C]]
func.func @zero_constant(%x: tensor<2x2x8xf32>, %crd: tensor<12xi8>, %val: tensor<12xf32>) -> tensor<4x3xf32> {
  %w = sparse_tensor.assemble (%crd), %val : (tensor<12xi8>), tensor<12xf32> to tensor<3x8xf32, #NV24>
  %x2 = tensor.collapse_shape %x [[0, 1], [2]] : tensor<2x2x8xf32> into tensor<4x8xf32>
  %z = arith.constant dense<0.0> : tensor<4x3xf32>
  %y = linalg.matmul indexing_maps = [#xk, #nk, #mn] ins(%x2, %w : tensor<4x8xf32>, tensor<3x8xf32, #NV24>) outs(%z : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

#NV24 = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, j floordiv 4 : dense, j mod 4 : structured[2, 4]), crdWidth = 8}>
#NVindex = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, j floordiv 4 : dense, j mod 4 : structured[2, 4])}>
#CSR = #sparse_tensor.encoding<{map = (i, j) -> (i : dense, j : compressed)}>
#xk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// Not a dnn.sparse_linear: each stays.
// CHECK-LABEL: func.func @not_transposed
// CHECK: linalg.matmul
// CHECK-NOT: dnn.sparse_linear
func.func @not_transposed(%x: tensor<3x8xf32>, %crd: tensor<32xi8>, %val: tensor<32xf32>, %z: tensor<3x8xf32>) -> tensor<3x8xf32> {
  %w = sparse_tensor.assemble (%crd), %val : (tensor<32xi8>), tensor<32xf32> to tensor<8x8xf32, #NV24>
  // expected-remark@+1 {{dnn-sparse-tensor-to-balanced: not converted: the matmul is not y[m, n] += x[m, k] * w[n, k] (B transposed)}}
  %y = linalg.matmul indexing_maps = [#xk, #kn, #mn] ins(%x, %w : tensor<3x8xf32>, tensor<8x8xf32, #NV24>) outs(%z : tensor<3x8xf32>) -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// CHECK-LABEL: func.func @f16_accumulator
// CHECK-NOT: dnn.sparse_linear
func.func @f16_accumulator(%x: tensor<3x8xf16>, %crd: tensor<12xi8>, %val: tensor<12xf16>, %z: tensor<3x3xf16>) -> tensor<3x3xf16> {
  %w = sparse_tensor.assemble (%crd), %val : (tensor<12xi8>), tensor<12xf16> to tensor<3x8xf16, #NV24>
  // expected-remark@+1 {{not converted: the matmul accumulates f16 in f16; dnn.sparse_linear accumulates it in f32}}
  %y = linalg.matmul indexing_maps = [#xk, #nk, #mn] ins(%x, %w : tensor<3x8xf16>, tensor<3x8xf16, #NV24>) outs(%z : tensor<3x3xf16>) -> tensor<3x3xf16>
  return %y : tensor<3x3xf16>
}

// CHECK-LABEL: func.func @f32_not_rounded
// CHECK-NOT: dnn.sparse_linear
func.func @f32_not_rounded(%x: tensor<3x8xf16>, %crd: tensor<12xi8>, %val: tensor<12xf16>) -> tensor<3x3xf32> {
  %w = sparse_tensor.assemble (%crd), %val : (tensor<12xi8>), tensor<12xf16> to tensor<3x8xf16, #NV24>
  %z = arith.constant dense<0.0> : tensor<3x3xf32>
  // expected-remark@+1 {{not converted: the f32 accumulator is not rounded to f16 by one element-wise arith.truncf}}
  %y = linalg.matmul indexing_maps = [#xk, #nk, #mn] ins(%x, %w : tensor<3x8xf16>, tensor<3x8xf16, #NV24>) outs(%z : tensor<3x3xf32>) -> tensor<3x3xf32>
  return %y : tensor<3x3xf32>
}

// CHECK-LABEL: func.func @index_coordinates
// CHECK-NOT: dnn.sparse_linear
func.func @index_coordinates(%x: tensor<3x8xf32>, %crd: tensor<12xindex>, %val: tensor<12xf32>, %z: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %w = sparse_tensor.assemble (%crd), %val : (tensor<12xindex>), tensor<12xf32> to tensor<3x8xf32, #NVindex>
  // expected-remark@+1 {{not converted: crdWidth = 0: dnn offsets are i8, i16 or i32}}
  %y = linalg.matmul indexing_maps = [#xk, #nk, #mn] ins(%x, %w : tensor<3x8xf32>, tensor<3x8xf32, #NVindex>) outs(%z : tensor<3x3xf32>) -> tensor<3x3xf32>
  return %y : tensor<3x3xf32>
}

// Constant coordinates are checked: the second block repeats 2.
// CHECK-LABEL: func.func @bad_coordinates
// CHECK-NOT: dnn.sparse_linear
func.func @bad_coordinates(%x: tensor<1x8xf32>, %val: tensor<4xf32>) -> tensor<1x1xf32> {
  %crd = arith.constant dense<[0, 3, 2, 2]> : tensor<4xi8>
  %w = sparse_tensor.assemble (%crd), %val : (tensor<4xi8>), tensor<4xf32> to tensor<1x8xf32, #NV24>
  %z = arith.constant dense<0.0> : tensor<1x1xf32>
  // expected-remark@+1 {{not converted: constant coordinate 3 (block 1) is 2: a structured[2, 4] block needs 2 strictly increasing coordinates below 4}}
  %y = linalg.matmul indexing_maps = [#xk, #nk, #mn] ins(%x, %w : tensor<1x8xf32>, tensor<1x8xf32, #NV24>) outs(%z : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// CHECK-LABEL: func.func @nonzero_start
// CHECK-NOT: dnn.sparse_linear
func.func @nonzero_start(%x: tensor<1x8xf32>, %crd: tensor<4xi8>, %val: tensor<4xf32>) -> tensor<1x1xf32> {
  %w = sparse_tensor.assemble (%crd), %val : (tensor<4xi8>), tensor<4xf32> to tensor<1x8xf32, #NV24>
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<1x1xf32>
  %z = linalg.fill ins(%one : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
  // expected-remark@+1 {{not converted: the accumulator does not start from zeros or a broadcast bias}}
  %y = linalg.matmul indexing_maps = [#xk, #nk, #mn] ins(%x, %w : tensor<1x8xf32>, tensor<1x8xf32, #NV24>) outs(%z : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// Not an N:M weight: no remark.
// CHECK-LABEL: func.func @csr
// CHECK: linalg.matmul
func.func @csr(%x: tensor<1x8xf32>, %pos: tensor<2xindex>, %crd: tensor<4xindex>, %val: tensor<4xf32>, %z: tensor<1x1xf32>) -> tensor<1x1xf32> {
  %w = sparse_tensor.assemble (%pos, %crd), %val : (tensor<2xindex>, tensor<4xindex>), tensor<4xf32> to tensor<1x8xf32, #CSR>
  %y = linalg.matmul indexing_maps = [#xk, #nk, #mn] ins(%x, %w : tensor<1x8xf32>, tensor<1x8xf32, #CSR>) outs(%z : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}
