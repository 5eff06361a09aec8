// REQUIRES: mlir-runner
// RUN: rm -rf %t && mkdir -p %t
//
// The reference check of dnn-balanced-to-sparse-tensor. Four layers with
// constant inputs (f32 2:4 with bias, f32 3:8 on a rank-3 input with i16
// offsets, f16 2:4 with bias, f64 2:3 on a rank-1 input with i32 offsets),
// all multiples of 1/8 so every result is exact. Both sides are checked,
// exactly, against the values in the VALUES lines below (worked out from the
// op's formula in Python, independently of both tools):
//
// 1. dnn's CPU path (dnn-run) on this module, dnn.sparse_linear as written:
// RUN: %python %S/../Tools/Inputs/dnn-run/npy.py make %t/y0.npy --shape 3,4 --values 1,-3.875,-0.5,-0.375,2.75,2.375,-3.875,-1.25,-5.375,-2.875,-2.25,-0.625
// RUN: %python %S/../Tools/Inputs/dnn-run/npy.py make %t/y1.npy --shape 2,2,3 --values 1.25,-1.25,-1.75,1.5,2.75,-1.5,-5.125,-8,5.625,-0.625,-4,1.25
// RUN: %python %S/../Tools/Inputs/dnn-run/npy.py make %t/y2.npy --shape 2,3 --dtype '<f2' --values 2050,6.875,0.75,2048,-6.375,-0.75
// RUN: %python %S/../Tools/Inputs/dnn-run/npy.py make %t/y3.npy --shape 2 --dtype '<f8' --values 5.125,0.75
// RUN: dnn-run %s --compare=%t/y0.npy,%t/y1.npy,%t/y2.npy,%t/y3.npy --atol=0 --rtol=0 | FileCheck %s --check-prefix=DNN
// DNN-COUNT-4: out{{[0-3]}}: match (max abs err 0.000e+00
//
// 2. The converted module (no dnn.sparse_linear left), compiled by the
//    upstream sparsifier (its codegen path: MLIR 22's runtime library reads
//    an assembled structured level wrongly) and run by mlir-runner:
// RUN: dnn-opt %s --dnn-balanced-to-sparse-tensor -o %t/sparse-tensor.mlir
// RUN: FileCheck %s --check-prefix=CONVERTED < %t/sparse-tensor.mlir
// RUN: dnn-opt %t/sparse-tensor.mlir --dnn-lower-to-linalg -o %t/converted.mlir
// RUN: mlir-opt %t/converted.mlir --sparsifier="enable-runtime-library=false" \
// RUN:   | mlir-runner -e print_outputs --entry-point-result=void \
// RUN:       -shared-libs=%mlir_c_runner_utils,%mlir_runner_utils \
// RUN:   | FileCheck %s --check-prefix=VALUES
//
// (--dnn-lower-to-linalg then only turns the dnn.constant inputs into
// arith.constant.)
// CONVERTED-NOT: dnn.sparse_linear
// CONVERTED-COUNT-4: sparse_tensor.assemble
// CONVERTED-NOT: dnn.sparse_linear
//
// Output (0, 0) of fc_f16 is 2048 + 1 * 1 + 1 * 1: 2050 when the sum is
// kept in f32 and rounded once, as dnn.sparse_linear specifies, but 2048
// if partial sums were rounded to f16.
// VALUES: ( ( 1, -3.875, -0.5, -0.375 ), ( 2.75, 2.375, -3.875, -1.25 ), ( -5.375, -2.875, -2.25, -0.625 ) )
// VALUES-NEXT: ( ( ( 1.25, -1.25, -1.75 ), ( 1.5, 2.75, -1.5 ) ), ( ( -5.125, -8, 5.625 ), ( -0.625, -4, 1.25 ) ) )
// VALUES-NEXT: ( ( 2050, 6.875, 0.75 ), ( 2048, -6.375, -0.75 ) )
// VALUES-NEXT: ( 5.125, 0.75 )

func.func @main() -> (tensor<3x4xf32>, tensor<2x2x3xf32>, tensor<2x3xf16>, tensor<2xf64>) {
  %x_fc_f32 = dnn.constant dense<[[-1.0, -2.0, 1.0, -2.5, 0.0, -1.0, -2.5, 0.0], [-3.0, -0.5, -2.5, -2.5, -0.5, 2.0, -2.5, -1.5], [1.0, 2.5, 0.5, -0.5, 3.0, -2.5, 2.0, -1.5]]> : tensor<3x8xf32>
  %v_fc_f32 = dnn.constant dense<[[[-1.5, -0.75], [0.25, 0.5]], [[0.25, -1.75], [-1.25, 0.75]], [[-0.25, 1.75], [-1.0, -1.25]], [[0.25, 0.25], [-0.25, 0.5]]]> : tensor<4x2x2xf32>
  %i_fc_f32 = dnn.constant dense<[[[1, 2], [0, 1]], [[0, 2], [0, 2]], [[1, 3], [1, 2]], [[0, 1], [2, 3]]]> : tensor<4x2x2xi8>
  %b_fc_f32 = dnn.constant dense<[-0.75, 0.0, -0.75, -0.25]> : tensor<4xf32>
  %fc_f32 = dnn.sparse_linear %x_fc_f32, %v_fc_f32, %i_fc_f32, %b_fc_f32 {layout =
      #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f32>}
      : (tensor<3x8xf32>, tensor<4x2x2xf32>, tensor<4x2x2xi8>, tensor<4xf32>) -> tensor<3x4xf32> loc("fc_f32")

  %x_fc_rank3 = dnn.constant dense<[[[2.5, -0.5, 3.0, -2.5, 0.5, 1.5, 2.0, -1.0, -1.0, 0.0, 2.0, -2.5, -2.5, -1.5, 1.0, -2.5], [1.5, -1.0, 0.5, 1.0, -0.5, 1.5, 2.5, -1.0, 2.5, -1.0, 0.5, 0.0, -1.5, -1.5, 1.5, -0.5]], [[2.5, 0.0, -2.0, -0.5, -1.5, -2.0, -0.5, 0.5, 1.0, 3.0, 1.0, -0.5, -1.5, -2.5, -2.0, 1.0], [-3.0, 2.0, -2.0, -1.5, -2.0, 0.0, 0.5, -1.0, -2.0, 2.0, 2.5, 1.0, 1.5, -0.5, 2.0, 2.5]]]> : tensor<2x2x16xf32>
  %v_fc_rank3 = dnn.constant dense<[[[-0.5, 0.25, -0.5], [-0.25, -1.5, 0.5]], [[-1.5, -1.5, -0.5], [0.5, -1.5, -1.0]], [[0.25, -1.5, 0.25], [-0.75, -1.5, 1.0]]]> : tensor<3x2x3xf32>
  %i_fc_rank3 = dnn.constant dense<[[[3, 6, 7], [0, 1, 3]], [[0, 1, 4], [0, 1, 7]], [[2, 4, 5], [3, 6, 7]]]> : tensor<3x2x3xi16>
  %fc_rank3 = dnn.sparse_linear %x_fc_rank3, %v_fc_rank3, %i_fc_rank3 {layout =
      #dnn.balanced<bank_size = 8, nnz = 3, index_bits = 3, value_type = f32>}
      : (tensor<2x2x16xf32>, tensor<3x2x3xf32>, tensor<3x2x3xi16>) -> tensor<2x2x3xf32> loc("fc_rank3")

  %x_fc_f16 = dnn.constant dense<[[1.0, 1.0, 0.5, -1.5, 2.0, 0.0, -0.5, 1.0], [-1.0, 0.5, 1.5, 2.0, -2.5, 1.0, 0.5, -0.5]]> : tensor<2x8xf16>
  %v_fc_f16 = dnn.constant dense<[[[1.0, 1.0], [0.0, 0.0]], [[0.75, -1.25], [2.0, 0.5]], [[-0.25, 1.5], [-2.0, 1.0]]]> : tensor<3x2x2xf16>
  %i_fc_f16 = dnn.constant dense<[[[0, 1], [2, 3]], [[1, 3], [0, 2]], [[0, 2], [1, 3]]]> : tensor<3x2x2xi8>
  %b_fc_f16 = dnn.constant dense<[2048.0, 0.5, -0.75]> : tensor<3xf16>
  %fc_f16 = dnn.sparse_linear %x_fc_f16, %v_fc_f16, %i_fc_f16, %b_fc_f16 {layout =
      #dnn.balanced<bank_size = 4, nnz = 2, index_bits = 2, value_type = f16>}
      : (tensor<2x8xf16>, tensor<3x2x2xf16>, tensor<3x2x2xi8>, tensor<3xf16>) -> tensor<2x3xf16> loc("fc_f16")

  %x_fc_vector = dnn.constant dense<[1.5, 0.0, 1.0, 0.0, -2.0, 2.5, -1.0, 1.0, 2.5]> : tensor<9xf64>
  %v_fc_vector = dnn.constant dense<[[[2.0, 1.5], [0.25, 1.75], [0.25, 1.0]], [[0.5, 1.25], [1.25, 1.0], [0.25, -0.5]]]> : tensor<2x3x2xf64>
  %i_fc_vector = dnn.constant dense<[[[1, 2], [1, 2], [0, 1]], [[0, 1], [0, 2], [0, 2]]]> : tensor<2x3x2xi32>
  %b_fc_vector = dnn.constant dense<[-1.0, -1.0]> : tensor<2xf64>
  %fc_vector = dnn.sparse_linear %x_fc_vector, %v_fc_vector, %i_fc_vector, %b_fc_vector {layout =
      #dnn.balanced<bank_size = 3, nnz = 2, index_bits = 2, value_type = f64>}
      : (tensor<9xf64>, tensor<2x3x2xf64>, tensor<2x3x2xi32>, tensor<2xf64>) -> tensor<2xf64> loc("fc_vector")
  return %fc_f32, %fc_rank3, %fc_f16, %fc_vector : tensor<3x4xf32>, tensor<2x2x3xf32>, tensor<2x3xf16>, tensor<2xf64>
}

// The driver for mlir-runner (dnn-run runs @main and ignores it).
func.func @print_outputs() {
  %y:4 = call @main() : () -> (tensor<3x4xf32>, tensor<2x2x3xf32>, tensor<2x3xf16>, tensor<2xf64>)
  %c0 = arith.constant 0 : index
  %pf32 = arith.constant 0.0 : f32
  %pf16 = arith.constant 0.0 : f16
  %pf64 = arith.constant 0.0 : f64
  %r0 = vector.transfer_read %y#0[%c0, %c0], %pf32 : tensor<3x4xf32>, vector<3x4xf32>
  vector.print %r0 : vector<3x4xf32>
  %r1 = vector.transfer_read %y#1[%c0, %c0, %c0], %pf32 : tensor<2x2x3xf32>, vector<2x2x3xf32>
  vector.print %r1 : vector<2x2x3xf32>
  %r2 = vector.transfer_read %y#2[%c0, %c0], %pf16 : tensor<2x3xf16>, vector<2x3xf16>
  %r2w = arith.extf %r2 : vector<2x3xf16> to vector<2x3xf32>
  vector.print %r2w : vector<2x3xf32>
  %r3 = vector.transfer_read %y#3[%c0], %pf64 : tensor<2xf64>, vector<2xf64>
  vector.print %r3 : vector<2xf64>
  return
}
