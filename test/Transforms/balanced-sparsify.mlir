// RUN: dnn-opt %s --dnn-balanced-sparsify="bank-size=4 sparsity=0.5 decide=always" -split-input-file 2>/dev/null | FileCheck %s
// RUN: dnn-opt %s --dnn-balanced-sparsify="bank-size=4 sparsity=0.5 decide=always" -split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK
// RUN: dnn-opt %s --dnn-balanced-sparsify="bank-size=4 sparsity=0.5 decide=always emit=masked" -split-input-file 2>/dev/null | FileCheck %s --check-prefix=MASKED
// RUN: dnn-opt %s --dnn-balanced-sparsify="bank-size=4 sparsity=0.5 decide=always layers=fc2" -split-input-file 2>/dev/null | FileCheck %s --check-prefix=LAYERS
// RUN: dnn-opt %s --dnn-balanced-sparsify="bank-size=4 sparsity=0.5 decide=always min-weights=9" -split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=MIN
// RUN: dnn-opt %s --dnn-balanced-sparsify="bank-size=4 sparsity=0.25 index-bits=9 decide=always" -split-input-file 2>/dev/null | FileCheck %s --check-prefix=BITS

// Two rows of eight columns, banks of four keeping two: the two largest
// |w| of each bank, in column order; a tie (|2| = |-2|) goes to the lower
// column. The bias is kept, the dense weight is gone.
// REMARK: remark: {{.*}}'fc' -> sparse, 2 of 4 per bank, 81.2% of the weight's L1 kept
// MIN: remark: {{.*}}'fc' -> sparse
// CHECK-LABEL: func.func @known
// CHECK-DAG: %[[B:.*]] = dnn.constant dense<[5.000000e-01, -5.000000e-01]> : tensor<2xf32>
// CHECK-DAG: %[[V:.*]] = dnn.constant dense<{{\[\[\[}}4.000000e+00, -3.000000e+00], [7.000000e+00, 6.000000e+00]], {{\[\[}}2.000000e+00, -2.000000e+00], [-9.000000e+00, 8.000000e+00]]]> : tensor<2x2x2xf32>
// CHECK-DAG: %[[I:.*]] = dnn.constant dense<{{\[\[\[}}1, 2], [1, 2]], {{\[\[}}0, 1], [0, 3]]]> : tensor<2x2x2xi8>
// CHECK: dnn.sparse_linear %arg0, %[[V]], %[[I]], %[[B]] {layout = #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>}
// CHECK-NOT: dnn.linear
// MASKED-LABEL: func.func @known
// MASKED: dnn.constant dense<{{\[\[}}0.000000e+00, 4.000000e+00, -3.000000e+00, 0.000000e+00, 0.000000e+00, 7.000000e+00, 6.000000e+00, 0.000000e+00], [2.000000e+00, -2.000000e+00, 0.000000e+00, 0.000000e+00, -9.000000e+00, 0.000000e+00, 0.000000e+00, 8.000000e+00]]> : tensor<2x8xf32>
// MASKED: dnn.linear
// LAYERS-LABEL: func.func @known
// LAYERS: dnn.linear
// BITS-LABEL: func.func @known
// BITS: dnn.constant {{.*}} : tensor<2x2x3xi16>
// BITS: #dnn.balanced<bank_size = 4, nnz = 3, index_bits = 9, value_type = f32>
func.func @known(%x: tensor<1x8xf32>) -> tensor<1x2xf32> {
  %w = dnn.constant dense<[[1.0, 4.0, -3.0, 0.5, 2.0, 7.0, 6.0, -1.0],
                           [2.0, -2.0, 1.0, 1.0, -9.0, 0.0, 3.0, 8.0]]> : tensor<2x8xf32>
  %b = dnn.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %y = dnn.linear %x, %w, %b : (tensor<1x8xf32>, tensor<2x8xf32>, tensor<2xf32>) -> tensor<1x2xf32> loc("fc")
  return %y : tensor<1x2xf32>
}

// -----

// K = 6 with banks of 4: the last bank has two real columns and keeps both
// (nnz 2); with banks of 4 keeping 3 (sparsity 0.25, BITS) it adds a zero
// at offset 2, past K.
// MIN: remark: {{.*}}'fc1' stays dense: fewer than min-weights = 9 weight elements
// CHECK-LABEL: func.func @partial
// CHECK: dnn.constant dense<{{\[\[\[}}3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00]]]> : tensor<1x2x2xf32>
// CHECK: dnn.constant dense<{{\[\[\[}}2, 3], [0, 1]]]> : tensor<1x2x2xi8>
// BITS-LABEL: func.func @partial
// BITS: dnn.constant dense<{{\[\[\[}}2.000000e+00, 3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00, 0.000000e+00]]]> : tensor<1x2x3xf32>
// BITS: dnn.constant dense<{{\[\[\[}}1, 2, 3], [0, 1, 2]]]> : tensor<1x2x3xi16>
func.func @partial(%x: tensor<1x6xf32>) -> tensor<1x1xf32> {
  %w = dnn.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]> : tensor<1x6xf32>
  %y = dnn.linear %x, %w : (tensor<1x6xf32>, tensor<1x6xf32>) -> tensor<1x1xf32> loc("fc1")
  return %y : tensor<1x1xf32>
}

// -----

// Only constant weights are rewritten; layers= picks by location name.
// REMARK: remark: {{.*}}'fc2' stays dense: the weight is not a dnn.constant
// CHECK-LABEL: func.func @argument_weight
// CHECK: dnn.linear
// LAYERS-LABEL: func.func @argument_weight
// LAYERS: dnn.linear
func.func @argument_weight(%x: tensor<1x8xf32>, %w: tensor<2x8xf32>) -> tensor<1x2xf32> {
  %y = dnn.linear %x, %w : (tensor<1x8xf32>, tensor<2x8xf32>) -> tensor<1x2xf32> loc("fc2")
  return %y : tensor<1x2xf32>
}
