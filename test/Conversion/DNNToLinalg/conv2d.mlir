// RUN: dnn-opt %s -split-input-file --dnn-lower-to-linalg | FileCheck %s

// dnn.conv2d -> (tensor.pad) + linalg.conv_2d_nchw_fchw, or expand_shape +
// linalg.conv_2d_ngchw_gfchw + collapse_shape for groups > 1. The accumulator
// starts at zero, or at the bias broadcast along the channel dimension.

// No padding, no bias: no tensor.pad, a zero-filled accumulator, unit
// strides and dilations.
// CHECK-LABEL: func.func @conv_no_padding
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>)
// Every constant before the fill is +0.0.
// CHECK-NOT: arith.constant {{([^0]|0x|0\.0*[1-9])}}
// CHECK-NOT: tensor.pad
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x4x6x6xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[EMPTY]] : tensor<1x4x6x6xf32>)
// CHECK: %[[CONV:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) outs(%[[INIT]] : tensor<1x4x6x6xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[CONV]] : tensor<1x4x6x6xf32>
func.func @conv_no_padding(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %y = dnn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

// Symmetric padding [1, 1, 1, 1]: zero padding of one row/column on each side
// of H and W, never of N or C.
// CHECK-LABEL: func.func @conv_symmetric_padding
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>)
// CHECK: %[[PADV:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PADDED:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[PADV]] : f32
// CHECK: } : tensor<1x3x8x8xf32> to tensor<1x3x10x10xf32>
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
// CHECK-SAME: ins(%[[PADDED]], %[[W]] : tensor<1x3x10x10xf32>, tensor<4x3x3x3xf32>) outs(%[[INIT]] : tensor<1x4x8x8xf32>)
func.func @conv_symmetric_padding(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// Asymmetric padding [top, left, bottom, right] = [1, 2, 0, 3]: low = (1, 2)
// and high = (0, 3) on (H, W); strides (2, 3) and dilation (1, 2) reach the
// named op in (h, w) order; the bias is broadcast along d1 into the
// accumulator (a pure copy for f32).
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @conv_asymmetric_padding_bias
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[PADDED:.*]] = tensor.pad %[[X]] low[0, 0, 1, 2] high[0, 0, 0, 3]
// CHECK: } : tensor<1x3x8x8xf32> to tensor<1x3x9x13xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x4x4x3xf32>
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[B]] : tensor<4xf32>) outs(%[[EMPTY]] : tensor<1x4x4x3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK-NOT: linalg.fill
// CHECK: %[[CONV:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<[1, 2]> : vector<2xi64>, strides = dense<[2, 3]> : vector<2xi64>}
// CHECK-SAME: ins(%[[PADDED]], %[[W]] : tensor<1x3x9x13xf32>, tensor<4x3x3x3xf32>) outs(%[[INIT]] : tensor<1x4x4x3xf32>)
// CHECK: return %[[CONV]]
func.func @conv_asymmetric_padding_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x3xf32> {
  %y = dnn.conv2d %x, %w, %b {strides = array<i64: 2, 3>, padding = array<i64: 1, 2, 0, 3>, dilation = array<i64: 1, 2>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x3xf32>
  return %y : tensor<1x4x4x3xf32>
}

// -----

// groups = 2: C = 8 -> 2 x 4 (input), F = 4 -> 2 x 2 (weight, group first),
// and the accumulator 4 -> 2 x 2; the result is collapsed back. Strides and
// dilations go to the grouped op.
// CHECK-LABEL: func.func @conv_groups
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x9x9xf32>, %[[W:.*]]: tensor<4x4x3x3xf32>)
// CHECK-NOT: tensor.pad
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x4x3x3xf32>)
// CHECK-DAG: %[[GX:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2], [3], [4]] output_shape [2, 2, 4, 9, 9] : tensor<2x8x9x9xf32> into tensor<2x2x4x9x9xf32>
// CHECK-DAG: %[[GW:.*]] = tensor.expand_shape %[[W]] {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 2, 4, 3, 3] : tensor<4x4x3x3xf32> into tensor<2x2x4x3x3xf32>
// CHECK-DAG: %[[GINIT:.*]] = tensor.expand_shape %[[INIT]] {{\[}}[0], [1, 2], [3], [4]] output_shape [2, 2, 2, 3, 3] : tensor<2x4x3x3xf32> into tensor<2x2x2x3x3xf32>
// CHECK: %[[CONV:.*]] = linalg.conv_2d_ngchw_gfchw {dilations = dense<[2, 1]> : vector<2xi64>, strides = dense<[2, 3]> : vector<2xi64>}
// CHECK-SAME: ins(%[[GX]], %[[GW]] : tensor<2x2x4x9x9xf32>, tensor<2x2x4x3x3xf32>) outs(%[[GINIT]] : tensor<2x2x2x3x3xf32>)
// CHECK: %[[OUT:.*]] = tensor.collapse_shape %[[CONV]] {{\[}}[0], [1, 2], [3], [4]] : tensor<2x2x2x3x3xf32> into tensor<2x4x3x3xf32>
// CHECK: return %[[OUT]] : tensor<2x4x3x3xf32>
func.func @conv_groups(%x: tensor<2x8x9x9xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<2x4x3x3xf32> {
  %y = dnn.conv2d %x, %w {groups = 2 : i64, strides = array<i64: 2, 3>, dilation = array<i64: 2, 1>}
      : (tensor<2x8x9x9xf32>, tensor<4x4x3x3xf32>) -> tensor<2x4x3x3xf32>
  return %y : tensor<2x4x3x3xf32>
}

// -----

// Depthwise (groups = C = 4, one filter per channel) with padding and bias:
// the padded input is split into 4 groups of 1 channel, the bias-initialised
// accumulator likewise.
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @conv_depthwise
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x6x6xf32>, %[[W:.*]]: tensor<4x1x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[PADDED:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], {{.*}}]{{.*}} ins(%[[B]] : tensor<4xf32>)
// CHECK-DAG: %[[GX:.*]] = tensor.expand_shape %[[PADDED]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 4, 1, 8, 8] : tensor<1x4x8x8xf32> into tensor<1x4x1x8x8xf32>
// CHECK-DAG: %[[GW:.*]] = tensor.expand_shape %[[W]] {{\[}}[0, 1], [2], [3], [4]] output_shape [4, 1, 1, 3, 3] : tensor<4x1x3x3xf32> into tensor<4x1x1x3x3xf32>
// CHECK-DAG: %[[GINIT:.*]] = tensor.expand_shape %[[INIT]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 4, 1, 6, 6] : tensor<1x4x6x6xf32> into tensor<1x4x1x6x6xf32>
// CHECK: %[[CONV:.*]] = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
// CHECK-SAME: ins(%[[GX]], %[[GW]] : tensor<1x4x1x8x8xf32>, tensor<4x1x1x3x3xf32>) outs(%[[GINIT]] : tensor<1x4x1x6x6xf32>)
// CHECK: %[[OUT:.*]] = tensor.collapse_shape %[[CONV]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x4x1x6x6xf32> into tensor<1x4x6x6xf32>
// CHECK: return %[[OUT]]
func.func @conv_depthwise(%x: tensor<1x4x6x6xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  %y = dnn.conv2d %x, %w, %b {groups = 4 : i64, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

// f16: the input is padded with an f16 zero, the bias is extended into an f32
// accumulator, the convolution accumulates in f32 and the result is rounded
// to f16 once at the end.
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @conv_f16
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf16>, %[[W:.*]]: tensor<4x3x3x3xf16>, %[[B:.*]]: tensor<4xf16>)
// CHECK: %[[PADV:.*]] = arith.constant 0.000000e+00 : f16
// CHECK: %[[PADDED:.*]] = tensor.pad %[[X]] low[0, 0, 1, 0] high[0, 0, 1, 0]
// CHECK: tensor.yield %[[PADV]] : f16
// CHECK: } : tensor<1x3x8x8xf16> to tensor<1x3x10x8xf16>
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x4x8x6xf32>
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[B]] : tensor<4xf16>) outs(%[[EMPTY]] : tensor<1x4x8x6xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f16, %{{.*}}: f32):
// CHECK-NEXT: %[[EXT:.*]] = arith.extf %[[IN]] : f16 to f32
// CHECK-NEXT: linalg.yield %[[EXT]] : f32
// CHECK: %[[CONV:.*]] = linalg.conv_2d_nchw_fchw
// CHECK-SAME: ins(%[[PADDED]], %[[W]] : tensor<1x3x10x8xf16>, tensor<4x3x3x3xf16>) outs(%[[INIT]] : tensor<1x4x8x6xf32>) -> tensor<1x4x8x6xf32>
// CHECK: %[[EMPTY16:.*]] = tensor.empty() : tensor<1x4x8x6xf16>
// CHECK: %[[OUT:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[CONV]] : tensor<1x4x8x6xf32>) outs(%[[EMPTY16]] : tensor<1x4x8x6xf16>)
// CHECK-NEXT: ^bb0(%[[ACC:.*]]: f32, %{{.*}}: f16):
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[ACC]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: return %[[OUT]] : tensor<1x4x8x6xf16>
func.func @conv_f16(%x: tensor<1x3x8x8xf16>, %w: tensor<4x3x3x3xf16>, %b: tensor<4xf16>) -> tensor<1x4x8x6xf16> {
  %y = dnn.conv2d %x, %w, %b {padding = array<i64: 1, 0, 1, 0>}
      : (tensor<1x3x8x8xf16>, tensor<4x3x3x3xf16>, tensor<4xf16>) -> tensor<1x4x8x6xf16>
  return %y : tensor<1x4x8x6xf16>
}

// -----

// f16 without bias: the accumulator is an f32 zero fill, not f16.
// CHECK-LABEL: func.func @conv_f16_grouped
// CHECK-NOT: arith.constant {{([^0]|0x|0\.0*[1-9])}}
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x6x6xf32>)
// CHECK: tensor.expand_shape %[[INIT]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 6, 6] : tensor<1x4x6x6xf32> into tensor<1x2x2x6x6xf32>
// CHECK: %[[CONV:.*]] = linalg.conv_2d_ngchw_gfchw
// CHECK-SAME: tensor<1x2x2x8x8xf16>, tensor<2x2x2x3x3xf16>) outs(%{{.*}} : tensor<1x2x2x6x6xf32>)
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[CONV]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x2x6x6xf32> into tensor<1x4x6x6xf32>
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[C]] : tensor<1x4x6x6xf32>) outs(%{{.*}} : tensor<1x4x6x6xf16>)
// CHECK-NEXT: ^bb0(%[[ACC:.*]]: f32, %{{.*}}: f16):
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[ACC]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: return %[[OUT]] : tensor<1x4x6x6xf16>
func.func @conv_f16_grouped(%x: tensor<1x4x8x8xf16>, %w: tensor<4x2x3x3xf16>) -> tensor<1x4x6x6xf16> {
  %y = dnn.conv2d %x, %w {groups = 2 : i64} : (tensor<1x4x8x8xf16>, tensor<4x2x3x3xf16>) -> tensor<1x4x6x6xf16>
  return %y : tensor<1x4x6x6xf16>
}
