// RUN: dnn-opt %s -split-input-file --dnn-balanced-to-sparse-tensor 2>/dev/null | FileCheck %s
// RUN: dnn-opt %s -split-input-file --dnn-balanced-to-sparse-tensor -verify-diagnostics -o /dev/null

// dnn-balanced-to-sparse-tensor: a dnn.sparse_linear whose layout is exactly
// sparse_tensor's structured[n, m] becomes sparse_tensor.assemble of its
// offsets (coordinates) and values plus a linalg.matmul with B transposed;
// the others stay, with a remark. The round trip and the numbers are in
// balanced-to-sparse-tensor-roundtrip.mlir and -reference.mlir.

// 2:4 (banks of 4 keeping 2), f32, bias, i8 offsets: crdWidth 8, the bias
// broadcast over the rows is the accumulator's start. A discardable
// attribute (tag) moves to the matmul; dnn.cost, which describes dnn's own
// kernel, does not (upstream tools could not parse it).
// CHECK-DAG: #[[NV24:.+]] = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 floordiv 4 : dense, d1 mod 4 : structured[2, 4]), crdWidth = 8 }>
// CHECK-DAG: #[[XK:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[NK:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[MN:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @two_of_four
// CHECK-SAME: (%[[X:.+]]: tensor<3x8xf32>, %[[V:.+]]: tensor<6x2x2xf32>, %[[I:.+]]: tensor<6x2x2xi8>, %[[B:.+]]: tensor<6xf32>)
// CHECK-DAG: %[[CRD:.+]] = tensor.collapse_shape %[[I]] {{\[\[}}0, 1, 2]] : tensor<6x2x2xi8> into tensor<24xi8>
// CHECK-DAG: %[[VAL:.+]] = tensor.collapse_shape %[[V]] {{\[\[}}0, 1, 2]] : tensor<6x2x2xf32> into tensor<24xf32>
// CHECK: %[[W:.+]] = sparse_tensor.assemble (%[[CRD]]), %[[VAL]] : (tensor<24xi8>), tensor<24xf32> to tensor<6x8xf32, #[[NV24]]>
// CHECK: %[[E:.+]] = tensor.empty() : tensor<3x6xf32>
// CHECK: %[[INIT:.+]] = linalg.broadcast ins(%[[B]] : tensor<6xf32>) outs(%[[E]] : tensor<3x6xf32>) dimensions = [0]
// CHECK: %[[Y:.+]] = linalg.matmul indexing_maps = [#[[XK]], #[[NK]], #[[MN]]]
// CHECK-NOT: dnn.cost
// CHECK-SAME: {tag = "fc"}
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<3x8xf32>, tensor<6x8xf32, #[[NV24]]>) outs(%[[INIT]] : tensor<3x6xf32>) -> tensor<3x6xf32>
// CHECK-NOT: dnn.sparse_linear
// CHECK: return %[[Y]] : tensor<3x6xf32>
func.func @two_of_four(%x: tensor<3x8xf32>, %v: tensor<6x2x2xf32>, %i: tensor<6x2x2xi8>, %b: tensor<6xf32>) -> tensor<3x6xf32> {
  %y = dnn.sparse_linear %x, %v, %i, %b {layout =
      #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>, tag = "fc",
      dnn.cost = #dnn.cost<latency_us = 1.0, compute_us = 0.5, memory_us = 0.5, launch_us = 0.0, waves = 1.0, tail_utilization = 1.0, energy_uj = 0.0>}
      : (tensor<3x8xf32>, tensor<6x2x2xf32>, tensor<6x2x2xi8>, tensor<6xf32>) -> tensor<3x6xf32>
  return %y : tensor<3x6xf32>
}

// -----

// f16 on a rank-3 input, i16 offsets (crdWidth 16): x is collapsed to
// 6 x 8, the bias extended to f32, the matmul accumulates in f32 (its
// default cast extends the f16 operands), one truncf rounds, and the result
// is expanded back to 2 x 3 x 5.
// CHECK-DAG: #[[NV24:.+]] = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 floordiv 4 : dense, d1 mod 4 : structured[2, 4]), crdWidth = 16 }>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @f16_rank3
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x8xf16>, %[[V:.+]]: tensor<5x2x2xf16>, %[[I:.+]]: tensor<5x2x2xi16>, %[[B:.+]]: tensor<5xf16>)
// CHECK: %[[W:.+]] = sparse_tensor.assemble ({{.+}}), {{.+}} : (tensor<20xi16>), tensor<20xf16> to tensor<5x8xf16, #[[NV24]]>
// CHECK: %[[X2:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x3x8xf16> into tensor<6x8xf16>
// CHECK: %[[INIT:.+]] = linalg.generic {indexing_maps = [#[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[B]] : tensor<5xf16>) outs(%{{.+}} : tensor<6x5xf32>)
// CHECK: arith.extf %{{.+}} : f16 to f32
// CHECK: %[[ACC:.+]] = linalg.matmul indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}] ins(%[[X2]], %[[W]] : tensor<6x8xf16>, tensor<5x8xf16, #[[NV24]]>) outs(%[[INIT]] : tensor<6x5xf32>) -> tensor<6x5xf32>
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[ACC]] : tensor<6x5xf32>) outs(%{{.+}} : tensor<6x5xf16>)
// CHECK: arith.truncf %{{.+}} : f32 to f16
// CHECK: %[[OUT:.+]] = tensor.expand_shape %[[Y]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 5] : tensor<6x5xf16> into tensor<2x3x5xf16>
// CHECK: return %[[OUT]]
func.func @f16_rank3(%x: tensor<2x3x8xf16>, %v: tensor<5x2x2xf16>, %i: tensor<5x2x2xi16>, %b: tensor<5xf16>) -> tensor<2x3x5xf16> {
  %y = dnn.sparse_linear %x, %v, %i, %b {layout =
      #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f16>}
      : (tensor<2x3x8xf16>, tensor<5x2x2xf16>, tensor<5x2x2xi16>, tensor<5xf16>) -> tensor<2x3x5xf16>
  return %y : tensor<2x3x5xf16>
}

// -----

// 5:8 in f64 on a rank-1 input with i32 offsets and no bias: x becomes
// 1 x 24, the accumulator starts from zeros, the result is collapsed back
// to 3 elements. Constant offsets stay constants.
// CHECK-DAG: #[[NV58:.+]] = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 floordiv 8 : dense, d1 mod 8 : structured[5, 8]), crdWidth = 32 }>
// CHECK-LABEL: func.func @vector_input
// CHECK: %[[I:.+]] = dnn.constant dense<{{.+}}> : tensor<3x3x5xi32>
// CHECK: %[[CRD:.+]] = tensor.collapse_shape %[[I]] {{\[\[}}0, 1, 2]] : tensor<3x3x5xi32> into tensor<45xi32>
// CHECK: %[[W:.+]] = sparse_tensor.assemble (%[[CRD]]), %{{.+}} : (tensor<45xi32>), tensor<45xf64> to tensor<3x24xf64, #[[NV58]]>
// CHECK: %[[X2:.+]] = tensor.expand_shape %arg0 {{\[\[}}0, 1]] output_shape [1, 24] : tensor<24xf64> into tensor<1x24xf64>
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f64
// CHECK: %[[INIT:.+]] = linalg.fill ins(%[[ZERO]] : f64) outs(%{{.+}} : tensor<1x3xf64>)
// CHECK: %[[ACC:.+]] = linalg.matmul {{.+}} ins(%[[X2]], %[[W]] : tensor<1x24xf64>, tensor<3x24xf64, #[[NV58]]>) outs(%[[INIT]] : tensor<1x3xf64>)
// CHECK: %[[Y:.+]] = tensor.collapse_shape %[[ACC]] {{\[\[}}0, 1]] : tensor<1x3xf64> into tensor<3xf64>
// CHECK: return %[[Y]]
func.func @vector_input(%x: tensor<24xf64>, %v: tensor<3x3x5xf64>) -> tensor<3xf64> {
  %i = dnn.constant dense<[[[0, 1, 2, 3, 4], [1, 3, 5, 6, 7], [0, 2, 4, 6, 7]],
                           [[3, 4, 5, 6, 7], [0, 1, 2, 3, 7], [0, 1, 4, 5, 6]],
                           [[1, 2, 3, 5, 7], [0, 2, 3, 4, 6], [2, 3, 4, 6, 7]]]> : tensor<3x3x5xi32>
  %y = dnn.sparse_linear %x, %v, %i {layout =
      #dnn.balanced<bank_size = 8, nnz = 5, index_bits = 3, value_type = f64>}
      : (tensor<24xf64>, tensor<3x3x5xf64>, tensor<3x3x5xi32>) -> tensor<3xf64>
  return %y : tensor<3xf64>
}

// -----

// The largest block structured[n, m] takes, m = 255 (3 of 255, bf16,
// offsets up to 254 in an unsigned i8).
// CHECK-DAG: #[[NV255:.+]] = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 floordiv 255 : dense, d1 mod 255 : structured[3, 255]), crdWidth = 8 }>
// CHECK-LABEL: func.func @bank_255
// CHECK: sparse_tensor.assemble {{.+}} to tensor<2x255xbf16, #[[NV255]]>
// CHECK: linalg.matmul {{.+}} outs(%{{.+}} : tensor<1x2xf32>)
// CHECK: arith.truncf %{{.+}} : f32 to bf16
// CHECK-NOT: dnn.sparse_linear
func.func @bank_255(%x: tensor<1x255xbf16>, %v: tensor<2x1x3xbf16>, %i: tensor<2x1x3xi8>) -> tensor<1x2xbf16> {
  %y = dnn.sparse_linear %x, %v, %i {layout =
      #dnn.balanced<bank_size = 255, nnz = 3, index_bits = 8, value_type = bf16>}
      : (tensor<1x255xbf16>, tensor<2x1x3xbf16>, tensor<2x1x3xi8>) -> tensor<1x2xbf16>
  return %y : tensor<1x2xbf16>
}

// -----

// Not exact: these stay as they are.
// CHECK-LABEL: func.func @partial_bank
// CHECK: dnn.sparse_linear
// CHECK-NOT: sparse_tensor.assemble
func.func @partial_bank(%x: tensor<2x10xf32>, %v: tensor<7x3x1xf32>, %i: tensor<7x3x1xi8>) -> tensor<2x7xf32> {
  // expected-remark@+1 {{dnn-balanced-to-sparse-tensor: not converted: bank_size 4 does not divide K = 10: the last bank is partial, and its entries past K have no structured[n, m] counterpart}}
  %y = dnn.sparse_linear %x, %v, %i {layout =
      #dnn.balanced<bank_size = 4, nnz = 1, index_bits = 2, value_type = f32>}
      : (tensor<2x10xf32>, tensor<7x3x1xf32>, tensor<7x3x1xi8>) -> tensor<2x7xf32>
  return %y : tensor<2x7xf32>
}

// CHECK-LABEL: func.func @bank_256
// CHECK: dnn.sparse_linear
func.func @bank_256(%x: tensor<1x256xf32>, %v: tensor<2x1x3xf32>, %i: tensor<2x1x3xi16>) -> tensor<1x2xf32> {
  // expected-remark@+1 {{not converted: bank_size 256 is outside [2, 255], the block sizes sparse_tensor's structured[n, m] accepts}}
  %y = dnn.sparse_linear %x, %v, %i {layout =
      #dnn.balanced<bank_size = 256, nnz = 3, index_bits = 8, value_type = f32>}
      : (tensor<1x256xf32>, tensor<2x1x3xf32>, tensor<2x1x3xi16>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// CHECK-LABEL: func.func @bank_1
// CHECK: dnn.sparse_linear
func.func @bank_1(%x: tensor<1x4xf32>, %v: tensor<2x4x1xf32>, %i: tensor<2x4x1xi8>) -> tensor<1x2xf32> {
  // expected-remark@+1 {{not converted: bank_size 1 is outside [2, 255]}}
  %y = dnn.sparse_linear %x, %v, %i {layout =
      #dnn.balanced<bank_size = 1, nnz = 1, index_bits = 1, value_type = f32>}
      : (tensor<1x4xf32>, tensor<2x4x1xf32>, tensor<2x4x1xi8>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// CHECK-LABEL: func.func @wide_index_bits
// CHECK: dnn.sparse_linear
func.func @wide_index_bits(%x: tensor<1x8xf32>, %v: tensor<2x2x2xf32>, %i: tensor<2x2x2xi8>) -> tensor<1x2xf32> {
  // expected-remark@+1 {{not converted: index_bits = 8 is not the 2 that bank_size 4 needs: the sparse_tensor encoding has no field for it (crdWidth is the container), so converting back could not restore it}}
  %y = dnn.sparse_linear %x, %v, %i {layout =
      #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 8, value_type = f32>}
      : (tensor<1x8xf32>, tensor<2x2x2xf32>, tensor<2x2x2xi8>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
