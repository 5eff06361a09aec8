// RUN: dnn-opt %s --split-input-file --dnn-cpu-loop-order | FileCheck %s
// RUN: dnn-opt %s --split-input-file --dnn-cpu-loop-order=im2col-below-width=8 | FileCheck %s --check-prefix=WIDE

// A narrow convolution (output width 4 < 32) becomes an im2col gather into
// N x (C*KH*KW) x (P*Q) and a GEMM over (n, f, k, pq): the innermost loop
// runs over the whole 4x4 output plane.
// CHECK-DAG: #[[GATHER:.*]] = affine_map<(d0, d1, d2) -> (d0, d1 floordiv 9, d2 floordiv 4 + (d1 mod 9) floordiv 3, d2 mod 4 + d1 mod 3)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @narrow
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3]] : tensor<4x8x3x3xf32> into tensor<4x72xf32>
// CHECK: linalg.generic {indexing_maps = [#[[GATHER]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel"]} ins(%{{.*}} : tensor<1x8x6x6xf32>) outs(%{{.*}} : tensor<1x72x16xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[W]], #[[COL]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] output_shape [1, 4, 4, 4]
// CHECK-NOT: linalg.conv_2d
// With a threshold of 8 a width of 4 is still narrow.
// WIDE-LABEL: func.func @narrow
// WIDE: iterator_types = ["parallel", "parallel", "reduction", "parallel"]
func.func @narrow(%x: tensor<1x8x6x6xf32>, %w: tensor<4x8x3x3xf32>, %init: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
      ins(%x, %w : tensor<1x8x6x6xf32>, tensor<4x8x3x3xf32>) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// A wide, unit-stride convolution (output width 40) keeps the direct form
// with the reordered loops (n, f, c, kh, kw, p, q).
// CHECK-LABEL: func.func @wide
// CHECK-NOT: tensor.collapse_shape
// CHECK: iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction", "parallel", "parallel"]
// WIDE-LABEL: func.func @wide
// WIDE: iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction", "parallel", "parallel"]
func.func @wide(%x: tensor<1x2x42x42xf32>, %w: tensor<4x2x3x3xf32>, %init: tensor<1x4x40x40xf32>) -> tensor<1x4x40x40xf32> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
      ins(%x, %w : tensor<1x2x42x42xf32>, tensor<4x2x3x3xf32>) outs(%init : tensor<1x4x40x40xf32>) -> tensor<1x4x40x40xf32>
  return %y : tensor<1x4x40x40xf32>
}

// -----

// A strided convolution is rewritten whatever its width (its direct form
// would read the input with a stride).
// CHECK-LABEL: func.func @strided
// CHECK: outs(%{{.*}} : tensor<1x18x1600xf32>)
// CHECK: iterator_types = ["parallel", "parallel", "reduction", "parallel"]
// WIDE-LABEL: func.func @strided
// WIDE: iterator_types = ["parallel", "parallel", "reduction", "parallel"]
func.func @strided(%x: tensor<1x2x81x81xf32>, %w: tensor<4x2x3x3xf32>, %init: tensor<1x4x40x40xf32>) -> tensor<1x4x40x40xf32> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
      ins(%x, %w : tensor<1x2x81x81xf32>, tensor<4x2x3x3xf32>) outs(%init : tensor<1x4x40x40xf32>) -> tensor<1x4x40x40xf32>
  return %y : tensor<1x4x40x40xf32>
}

// -----

// A dilated convolution stays direct (linalg's im2col rewrite is undilated
// only), even when narrow.
// CHECK-LABEL: func.func @dilated
// CHECK-NOT: tensor.collapse_shape
// CHECK: iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction", "parallel", "parallel"]
// WIDE-LABEL: func.func @dilated
// WIDE-NOT: tensor.collapse_shape
func.func @dilated(%x: tensor<1x2x8x8xf32>, %w: tensor<4x2x3x3xf32>, %init: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<2> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
      ins(%x, %w : tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}
