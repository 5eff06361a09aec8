// RUN: dnn-opt %s -split-input-file --dnn-lower-to-linalg | FileCheck %s

// dnn.max_pool2d: tensor.pad with -inf (the op's padding, plus the overhang
// of ceil_mode's last window at the bottom/right) + linalg.pooling_nchw_max
// from a -inf accumulator.
// dnn.avg_pool2d: zero padding + linalg.pooling_nchw_sum, then each window's
// sum divided by its count of positions, computed from linalg.index.
// dnn.global_avg_pool: a sum-reduction generic over the spatial dims, a
// division by their size, and a reshape to N x C x 1 x ... x 1.

// 3x3 / stride 2 / padding 1.
// CHECK-LABEL: func.func @max_pool
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x8x8xf32>)
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[PADDED:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NINF]] : f32
// CHECK: } : tensor<1x2x8x8xf32> to tensor<1x2x10x10xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<1x2x4x4xf32>)
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[Y:.*]] = linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
// CHECK-SAME: ins(%[[PADDED]], %[[WINDOW]] : tensor<1x2x10x10xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<1x2x4x4xf32>)
// CHECK-NEXT: return %[[Y]] : tensor<1x2x4x4xf32>
func.func @max_pool(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x2x8x8xf32> -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// ceil_mode without padding: H = 6 gives 3 windows of 3 at stride 2, the
// last one [4, 7) overhangs by 1 -> high pad 1 (with -inf); W = 7 fits
// exactly (no overhang).
// CHECK-LABEL: func.func @max_pool_ceil_mode
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x6x7xf32>)
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[PADDED:.*]] = tensor.pad %[[X]] low[0, 0, 0, 0] high[0, 0, 1, 0]
// CHECK: tensor.yield %[[NINF]] : f32
// CHECK: } : tensor<1x1x6x7xf32> to tensor<1x1x7x7xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<1x1x3x3xf32>)
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
// CHECK-SAME: ins(%[[PADDED]], %{{.*}} : tensor<1x1x7x7xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<1x1x3x3xf32>)
func.func @max_pool_ceil_mode(%x: tensor<1x1x6x7xf32>) -> tensor<1x1x3x3xf32> {
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode = true}
      : tensor<1x1x6x7xf32> -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// -----

// ceil_mode with padding 1: 4 windows over 6 + 2, the last one [6, 9)
// overhangs the padded 8 by 1 -> high = 1 + 1.
// CHECK-LABEL: func.func @max_pool_ceil_mode_padding
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 2, 2]
// CHECK: } : tensor<1x1x6x6xf32> to tensor<1x1x9x9xf32>
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x1x9x9xf32>, tensor<3x3xf32>) outs(%{{.*}} : tensor<1x1x4x4xf32>)
func.func @max_pool_ceil_mode_padding(%x: tensor<1x1x6x6xf32>) -> tensor<1x1x4x4xf32> {
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, ceil_mode = true}
      : tensor<1x1x6x6xf32> -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// ceil_mode where the extra window would start in the bottom/right padding:
// it is dropped (2 windows), so no overhang beyond the op's own padding.
// CHECK-LABEL: func.func @max_pool_ceil_mode_dropped_window
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: } : tensor<1x1x4x4xf32> to tensor<1x1x5x5xf32>
// CHECK: linalg.pooling_nchw_max
// CHECK-SAME: outs(%{{.*}} : tensor<1x1x2x2xf32>)
func.func @max_pool_ceil_mode_dropped_window(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 1, 1>, ceil_mode = true}
      : tensor<1x1x4x4xf32> -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// Dilation (2, 3), strides (1, 2), left padding 1, in f16: -inf is the f16
// 0xFC00 and the max accumulates in f16 (exact).
// CHECK-LABEL: func.func @max_pool_dilation_f16
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x7x7xf16>)
// CHECK: %[[NINF:.*]] = arith.constant 0xFC00 : f16
// CHECK: %[[PADDED:.*]] = tensor.pad %[[X]] low[0, 0, 0, 1] high[0, 0, 0, 0]
// CHECK: tensor.yield %[[NINF]] : f16
// CHECK: } : tensor<1x1x7x7xf16> to tensor<1x1x7x8xf16>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NINF]] : f16) outs(%{{.*}} : tensor<1x1x5x3xf16>)
// CHECK: %[[Y:.*]] = linalg.pooling_nchw_max {dilations = dense<[2, 3]> : vector<2xi64>, strides = dense<[1, 2]> : vector<2xi64>}
// CHECK-SAME: ins(%[[PADDED]], %{{.*}} : tensor<1x1x7x8xf16>, tensor<2x2xf16>) outs(%[[INIT]] : tensor<1x1x5x3xf16>)
// CHECK-NEXT: return %[[Y]] : tensor<1x1x5x3xf16>
func.func @max_pool_dilation_f16(%x: tensor<1x1x7x7xf16>) -> tensor<1x1x5x3xf16> {
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 2, 2>, dilation = array<i64: 2, 3>, strides = array<i64: 1, 2>, padding = array<i64: 0, 1, 0, 0>}
      : tensor<1x1x7x7xf16> -> tensor<1x1x5x3xf16>
  return %y : tensor<1x1x5x3xf16>
}

// -----

// Average pooling without padding: no tensor.pad; sum pooling, then each
// window's sum divided by its count. Along each dim, window position k
// (0 <= k < K) reads padded row start + k * d (start = index * stride);
// the count is min(K - 1, floordiv(hi - 1 - start, d))
// - max(0, ceildiv(lo - start, d)) + 1 for the rows [lo, hi) that count:
// here [0, 8) in both dims.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @avg_pool
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x8x8xf32>)
// CHECK-NOT: tensor.pad
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2x4x4xf32>)
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
// CHECK-SAME: ins(%[[X]], %[[WINDOW]] : tensor<1x2x8x8xf32>, tensor<2x2xf32>) outs(%[[INIT]] : tensor<1x2x4x4xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[SUM]] : tensor<1x2x4x4xf32>) outs(%{{.*}} : tensor<1x2x4x4xf32>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[P2:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[S2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[START2:.*]] = arith.muli %[[P2]], %[[S2]] : index
// CHECK-NEXT: %[[D2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LO2:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A2:.*]] = arith.subi %[[LO2]], %[[START2]] : index
// CHECK-NEXT: %[[B2:.*]] = arith.ceildivsi %[[A2]], %[[D2]] : index
// CHECK-NEXT: %[[Z2:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST2:.*]] = arith.maxsi %[[Z2]], %[[B2]] : index
// CHECK-NEXT: %[[HI2:.*]] = arith.constant 7 : index
// CHECK-NEXT: %[[E2:.*]] = arith.subi %[[HI2]], %[[START2]] : index
// CHECK-NEXT: %[[F2:.*]] = arith.floordivsi %[[E2]], %[[D2]] : index
// CHECK-NEXT: %[[K2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LAST2:.*]] = arith.minsi %[[K2]], %[[F2]] : index
// CHECK-NEXT: %[[ONE2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W2:.*]] = arith.subi %[[LAST2]], %[[FIRST2]] : index
// CHECK-NEXT: %[[N2:.*]] = arith.addi %[[W2]], %[[ONE2]] : index
// CHECK-NEXT: %[[CNT2:.*]] = arith.muli %{{.*}}, %[[N2]] : index
// CHECK: %[[P3:.*]] = linalg.index 3 : index
// CHECK-NEXT: %[[S3:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[START3:.*]] = arith.muli %[[P3]], %[[S3]] : index
// CHECK-NEXT: %[[D3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LO3:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A3:.*]] = arith.subi %[[LO3]], %[[START3]] : index
// CHECK-NEXT: %[[B3:.*]] = arith.ceildivsi %[[A3]], %[[D3]] : index
// CHECK-NEXT: %[[Z3:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST3:.*]] = arith.maxsi %[[Z3]], %[[B3]] : index
// CHECK-NEXT: %[[HI3:.*]] = arith.constant 7 : index
// CHECK-NEXT: %[[E3:.*]] = arith.subi %[[HI3]], %[[START3]] : index
// CHECK-NEXT: %[[F3:.*]] = arith.floordivsi %[[E3]], %[[D3]] : index
// CHECK-NEXT: %[[K3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LAST3:.*]] = arith.minsi %[[K3]], %[[F3]] : index
// CHECK-NEXT: %[[ONE3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W3:.*]] = arith.subi %[[LAST3]], %[[FIRST3]] : index
// CHECK-NEXT: %[[N3:.*]] = arith.addi %[[W3]], %[[ONE3]] : index
// CHECK-NEXT: %[[CNT3:.*]] = arith.muli %{{.*}}, %[[N3]] : index
// CHECK-NEXT: %[[NI:.*]] = arith.index_cast %[[CNT3]] : index to i64
// CHECK-NEXT: %[[NF:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[S]], %[[NF]] : f32
// CHECK-NEXT: linalg.yield %[[Q]] : f32
// CHECK: return %[[Y]] : tensor<1x2x4x4xf32>
func.func @avg_pool(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x2x8x8xf32> -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Asymmetric kernel (2, 3), strides (1, 2), padding [top 1, left 0,
// bottom 0, right 1], count_include_pad = false: the count clamps each
// window to the real input, rows [1, 1 + 5) and columns [0, 0 + 6) of the
// padded tensor.
// CHECK-LABEL: func.func @avg_pool_exclude_pad
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x5x6xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PADDED:.*]] = tensor.pad %[[X]] low[0, 0, 1, 0] high[0, 0, 0, 1]
// CHECK: tensor.yield %[[ZERO]] : f32
// CHECK: } : tensor<1x1x5x6xf32> to tensor<1x1x6x7xf32>
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum {dilations = dense<1> : vector<2xi64>, strides = dense<[1, 2]> : vector<2xi64>}
// CHECK-SAME: ins(%[[PADDED]], %{{.*}} : tensor<1x1x6x7xf32>, tensor<2x3xf32>) outs(%{{.*}} : tensor<1x1x5x3xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[SUM]] : tensor<1x1x5x3xf32>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[P2:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[S2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[START2:.*]] = arith.muli %[[P2]], %[[S2]] : index
// CHECK-NEXT: %[[D2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LO2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[A2:.*]] = arith.subi %[[LO2]], %[[START2]] : index
// CHECK-NEXT: %[[B2:.*]] = arith.ceildivsi %[[A2]], %[[D2]] : index
// CHECK-NEXT: %[[Z2:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST2:.*]] = arith.maxsi %[[Z2]], %[[B2]] : index
// CHECK-NEXT: %[[HI2:.*]] = arith.constant 5 : index
// CHECK-NEXT: %[[E2:.*]] = arith.subi %[[HI2]], %[[START2]] : index
// CHECK-NEXT: %[[F2:.*]] = arith.floordivsi %[[E2]], %[[D2]] : index
// CHECK-NEXT: %[[K2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LAST2:.*]] = arith.minsi %[[K2]], %[[F2]] : index
// CHECK-NEXT: %[[ONE2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W2:.*]] = arith.subi %[[LAST2]], %[[FIRST2]] : index
// CHECK-NEXT: %[[N2:.*]] = arith.addi %[[W2]], %[[ONE2]] : index
// CHECK-NEXT: %[[CNT2:.*]] = arith.muli %{{.*}}, %[[N2]] : index
// CHECK: %[[P3:.*]] = linalg.index 3 : index
// CHECK-NEXT: %[[S3:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[START3:.*]] = arith.muli %[[P3]], %[[S3]] : index
// CHECK-NEXT: %[[D3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LO3:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A3:.*]] = arith.subi %[[LO3]], %[[START3]] : index
// CHECK-NEXT: %[[B3:.*]] = arith.ceildivsi %[[A3]], %[[D3]] : index
// CHECK-NEXT: %[[Z3:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST3:.*]] = arith.maxsi %[[Z3]], %[[B3]] : index
// CHECK-NEXT: %[[HI3:.*]] = arith.constant 5 : index
// CHECK-NEXT: %[[E3:.*]] = arith.subi %[[HI3]], %[[START3]] : index
// CHECK-NEXT: %[[F3:.*]] = arith.floordivsi %[[E3]], %[[D3]] : index
// CHECK-NEXT: %[[K3:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[LAST3:.*]] = arith.minsi %[[K3]], %[[F3]] : index
// CHECK-NEXT: %[[ONE3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W3:.*]] = arith.subi %[[LAST3]], %[[FIRST3]] : index
// CHECK-NEXT: %[[N3:.*]] = arith.addi %[[W3]], %[[ONE3]] : index
// CHECK-NEXT: %[[CNT3:.*]] = arith.muli %{{.*}}, %[[N3]] : index
// CHECK-NEXT: %[[NI:.*]] = arith.index_cast %[[CNT3]] : index to i64
// CHECK-NEXT: %[[NF:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[S]], %[[NF]] : f32
// CHECK-NEXT: linalg.yield %[[Q]] : f32
func.func @avg_pool_exclude_pad(%x: tensor<1x1x5x6xf32>) -> tensor<1x1x5x3xf32> {
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 2, 3>, strides = array<i64: 1, 2>, padding = array<i64: 1, 0, 0, 1>}
      : tensor<1x1x5x6xf32> -> tensor<1x1x5x3xf32>
  return %y : tensor<1x1x5x3xf32>
}

// -----

// The same with count_include_pad = true: the rows that count are the
// whole padded input, rows [0, 1 + 5 + 0) and columns [0, 0 + 6 + 1).
// CHECK-LABEL: func.func @avg_pool_include_pad
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 0, 0, 1]
// CHECK: linalg.pooling_nchw_sum {dilations = dense<1> : vector<2xi64>, strides = dense<[1, 2]> : vector<2xi64>}
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[P2:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[S2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[START2:.*]] = arith.muli %[[P2]], %[[S2]] : index
// CHECK-NEXT: %[[D2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LO2:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A2:.*]] = arith.subi %[[LO2]], %[[START2]] : index
// CHECK-NEXT: %[[B2:.*]] = arith.ceildivsi %[[A2]], %[[D2]] : index
// CHECK-NEXT: %[[Z2:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST2:.*]] = arith.maxsi %[[Z2]], %[[B2]] : index
// CHECK-NEXT: %[[HI2:.*]] = arith.constant 5 : index
// CHECK-NEXT: %[[E2:.*]] = arith.subi %[[HI2]], %[[START2]] : index
// CHECK-NEXT: %[[F2:.*]] = arith.floordivsi %[[E2]], %[[D2]] : index
// CHECK-NEXT: %[[K2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LAST2:.*]] = arith.minsi %[[K2]], %[[F2]] : index
// CHECK-NEXT: %[[ONE2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W2:.*]] = arith.subi %[[LAST2]], %[[FIRST2]] : index
// CHECK-NEXT: %[[N2:.*]] = arith.addi %[[W2]], %[[ONE2]] : index
// CHECK-NEXT: %[[CNT2:.*]] = arith.muli %{{.*}}, %[[N2]] : index
// CHECK: %[[P3:.*]] = linalg.index 3 : index
// CHECK-NEXT: %[[S3:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[START3:.*]] = arith.muli %[[P3]], %[[S3]] : index
// CHECK-NEXT: %[[D3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LO3:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A3:.*]] = arith.subi %[[LO3]], %[[START3]] : index
// CHECK-NEXT: %[[B3:.*]] = arith.ceildivsi %[[A3]], %[[D3]] : index
// CHECK-NEXT: %[[Z3:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST3:.*]] = arith.maxsi %[[Z3]], %[[B3]] : index
// CHECK-NEXT: %[[HI3:.*]] = arith.constant 6 : index
// CHECK-NEXT: %[[E3:.*]] = arith.subi %[[HI3]], %[[START3]] : index
// CHECK-NEXT: %[[F3:.*]] = arith.floordivsi %[[E3]], %[[D3]] : index
// CHECK-NEXT: %[[K3:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[LAST3:.*]] = arith.minsi %[[K3]], %[[F3]] : index
// CHECK-NEXT: %[[ONE3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W3:.*]] = arith.subi %[[LAST3]], %[[FIRST3]] : index
// CHECK-NEXT: %[[N3:.*]] = arith.addi %[[W3]], %[[ONE3]] : index
// CHECK-NEXT: %[[CNT3:.*]] = arith.muli %{{.*}}, %[[N3]] : index
// CHECK-NEXT: %[[NI:.*]] = arith.index_cast %[[CNT3]] : index to i64
// CHECK-NEXT: %[[NF:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[S]], %[[NF]] : f32
// CHECK-NEXT: linalg.yield %[[Q]] : f32
// CHECK: return
func.func @avg_pool_include_pad(%x: tensor<1x1x5x6xf32>) -> tensor<1x1x5x3xf32> {
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 2, 3>, strides = array<i64: 1, 2>, padding = array<i64: 1, 0, 0, 1>, count_include_pad = true}
      : tensor<1x1x5x6xf32> -> tensor<1x1x5x3xf32>
  return %y : tensor<1x1x5x3xf32>
}

// -----

// ceil_mode, count_include_pad = false: H = 6 with padding 1/1 and a 3-row
// window at stride 2 has 4 windows; the last [6, 9) overhangs the padded 8
// by 1, so high = 1 + 1, while the count still clamps to the real rows
// [1, 7). W (kernel 2, stride 2, no padding) needs no padding at all.
// CHECK-LABEL: func.func @avg_pool_ceil_mode_exclude_pad
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 0, 2, 0]
// CHECK: } : tensor<1x1x6x6xf32> to tensor<1x1x9x6xf32>
// CHECK: linalg.pooling_nchw_sum {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x1x9x6xf32>, tensor<3x2xf32>) outs(%{{.*}} : tensor<1x1x4x3xf32>)
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[P2:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[S2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[START2:.*]] = arith.muli %[[P2]], %[[S2]] : index
// CHECK-NEXT: %[[D2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LO2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[A2:.*]] = arith.subi %[[LO2]], %[[START2]] : index
// CHECK-NEXT: %[[B2:.*]] = arith.ceildivsi %[[A2]], %[[D2]] : index
// CHECK-NEXT: %[[Z2:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST2:.*]] = arith.maxsi %[[Z2]], %[[B2]] : index
// CHECK-NEXT: %[[HI2:.*]] = arith.constant 6 : index
// CHECK-NEXT: %[[E2:.*]] = arith.subi %[[HI2]], %[[START2]] : index
// CHECK-NEXT: %[[F2:.*]] = arith.floordivsi %[[E2]], %[[D2]] : index
// CHECK-NEXT: %[[K2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[LAST2:.*]] = arith.minsi %[[K2]], %[[F2]] : index
// CHECK-NEXT: %[[ONE2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W2:.*]] = arith.subi %[[LAST2]], %[[FIRST2]] : index
// CHECK-NEXT: %[[N2:.*]] = arith.addi %[[W2]], %[[ONE2]] : index
// CHECK-NEXT: %[[CNT2:.*]] = arith.muli %{{.*}}, %[[N2]] : index
// CHECK: %[[P3:.*]] = linalg.index 3 : index
// CHECK-NEXT: %[[S3:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[START3:.*]] = arith.muli %[[P3]], %[[S3]] : index
// CHECK-NEXT: %[[D3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LO3:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A3:.*]] = arith.subi %[[LO3]], %[[START3]] : index
// CHECK-NEXT: %[[B3:.*]] = arith.ceildivsi %[[A3]], %[[D3]] : index
// CHECK-NEXT: %[[Z3:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST3:.*]] = arith.maxsi %[[Z3]], %[[B3]] : index
// CHECK-NEXT: %[[HI3:.*]] = arith.constant 5 : index
// CHECK-NEXT: %[[E3:.*]] = arith.subi %[[HI3]], %[[START3]] : index
// CHECK-NEXT: %[[F3:.*]] = arith.floordivsi %[[E3]], %[[D3]] : index
// CHECK-NEXT: %[[K3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LAST3:.*]] = arith.minsi %[[K3]], %[[F3]] : index
// CHECK-NEXT: %[[ONE3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W3:.*]] = arith.subi %[[LAST3]], %[[FIRST3]] : index
// CHECK-NEXT: %[[N3:.*]] = arith.addi %[[W3]], %[[ONE3]] : index
// CHECK-NEXT: %[[CNT3:.*]] = arith.muli %{{.*}}, %[[N3]] : index
// CHECK-NEXT: %[[NI:.*]] = arith.index_cast %[[CNT3]] : index to i64
// CHECK-NEXT: %[[NF:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[S]], %[[NF]] : f32
// CHECK-NEXT: linalg.yield %[[Q]] : f32
func.func @avg_pool_ceil_mode_exclude_pad(%x: tensor<1x1x6x6xf32>) -> tensor<1x1x4x3xf32> {
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 3, 2>, strides = array<i64: 2, 2>, padding = array<i64: 1, 0, 1, 0>, ceil_mode = true}
      : tensor<1x1x6x6xf32> -> tensor<1x1x4x3xf32>
  return %y : tensor<1x1x4x3xf32>
}

// -----

// ceil_mode with count_include_pad = true in f16: the overhanging last window
// counts only up to the end of the op's padding (rows [0, 6 + 1 + 1)), not
// the overhang; the sum is accumulated in f32 and the quotient truncated.
// CHECK-LABEL: func.func @avg_pool_ceil_mode_include_pad_f16
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x6x6xf16>)
// CHECK: %[[ZERO16:.*]] = arith.constant 0.000000e+00 : f16
// CHECK: %[[PADDED:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 2, 2]
// CHECK: tensor.yield %[[ZERO16]] : f16
// CHECK: } : tensor<1x1x6x6xf16> to tensor<1x1x9x9xf16>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<1x1x4x4xf32>)
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
// CHECK-SAME: ins(%[[PADDED]], %{{.*}} : tensor<1x1x9x9xf16>, tensor<3x3xf16>) outs(%[[INIT]] : tensor<1x1x4x4xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[SUM]] : tensor<1x1x4x4xf32>) outs(%{{.*}} : tensor<1x1x4x4xf16>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: f16):
// CHECK: %[[P2:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[S2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[START2:.*]] = arith.muli %[[P2]], %[[S2]] : index
// CHECK-NEXT: %[[D2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LO2:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A2:.*]] = arith.subi %[[LO2]], %[[START2]] : index
// CHECK-NEXT: %[[B2:.*]] = arith.ceildivsi %[[A2]], %[[D2]] : index
// CHECK-NEXT: %[[Z2:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST2:.*]] = arith.maxsi %[[Z2]], %[[B2]] : index
// CHECK-NEXT: %[[HI2:.*]] = arith.constant 7 : index
// CHECK-NEXT: %[[E2:.*]] = arith.subi %[[HI2]], %[[START2]] : index
// CHECK-NEXT: %[[F2:.*]] = arith.floordivsi %[[E2]], %[[D2]] : index
// CHECK-NEXT: %[[K2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[LAST2:.*]] = arith.minsi %[[K2]], %[[F2]] : index
// CHECK-NEXT: %[[ONE2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W2:.*]] = arith.subi %[[LAST2]], %[[FIRST2]] : index
// CHECK-NEXT: %[[N2:.*]] = arith.addi %[[W2]], %[[ONE2]] : index
// CHECK-NEXT: %[[CNT2:.*]] = arith.muli %{{.*}}, %[[N2]] : index
// CHECK: %[[P3:.*]] = linalg.index 3 : index
// CHECK-NEXT: %[[S3:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[START3:.*]] = arith.muli %[[P3]], %[[S3]] : index
// CHECK-NEXT: %[[D3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LO3:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A3:.*]] = arith.subi %[[LO3]], %[[START3]] : index
// CHECK-NEXT: %[[B3:.*]] = arith.ceildivsi %[[A3]], %[[D3]] : index
// CHECK-NEXT: %[[Z3:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST3:.*]] = arith.maxsi %[[Z3]], %[[B3]] : index
// CHECK-NEXT: %[[HI3:.*]] = arith.constant 7 : index
// CHECK-NEXT: %[[E3:.*]] = arith.subi %[[HI3]], %[[START3]] : index
// CHECK-NEXT: %[[F3:.*]] = arith.floordivsi %[[E3]], %[[D3]] : index
// CHECK-NEXT: %[[K3:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[LAST3:.*]] = arith.minsi %[[K3]], %[[F3]] : index
// CHECK-NEXT: %[[ONE3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W3:.*]] = arith.subi %[[LAST3]], %[[FIRST3]] : index
// CHECK-NEXT: %[[N3:.*]] = arith.addi %[[W3]], %[[ONE3]] : index
// CHECK-NEXT: %[[CNT3:.*]] = arith.muli %{{.*}}, %[[N3]] : index
// CHECK-NEXT: %[[NI:.*]] = arith.index_cast %[[CNT3]] : index to i64
// CHECK-NEXT: %[[NF:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[S]], %[[NF]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[Q]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
func.func @avg_pool_ceil_mode_include_pad_f16(%x: tensor<1x1x6x6xf16>) -> tensor<1x1x4x4xf16> {
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, ceil_mode = true, count_include_pad = true}
      : tensor<1x1x6x6xf16> -> tensor<1x1x4x4xf16>
  return %y : tensor<1x1x4x4xf16>
}

// -----

// Dilation (2, 3) with padding [1, 1, 0, 0], count_include_pad = false:
// window position k reads padded row start + 2k and column start + 3k;
// those inside the real rows/columns [1, 8) count (the first window of
// each row and column has one position in the padding).
// CHECK-LABEL: func.func @avg_pool_dilation
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 0, 0]
// CHECK: linalg.pooling_nchw_sum {dilations = dense<[2, 3]> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x1x8x8xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<1x1x6x5xf32>)
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[P2:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[S2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[START2:.*]] = arith.muli %[[P2]], %[[S2]] : index
// CHECK-NEXT: %[[D2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[LO2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[A2:.*]] = arith.subi %[[LO2]], %[[START2]] : index
// CHECK-NEXT: %[[B2:.*]] = arith.ceildivsi %[[A2]], %[[D2]] : index
// CHECK-NEXT: %[[Z2:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST2:.*]] = arith.maxsi %[[Z2]], %[[B2]] : index
// CHECK-NEXT: %[[HI2:.*]] = arith.constant 7 : index
// CHECK-NEXT: %[[E2:.*]] = arith.subi %[[HI2]], %[[START2]] : index
// CHECK-NEXT: %[[F2:.*]] = arith.floordivsi %[[E2]], %[[D2]] : index
// CHECK-NEXT: %[[K2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LAST2:.*]] = arith.minsi %[[K2]], %[[F2]] : index
// CHECK-NEXT: %[[ONE2:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W2:.*]] = arith.subi %[[LAST2]], %[[FIRST2]] : index
// CHECK-NEXT: %[[N2:.*]] = arith.addi %[[W2]], %[[ONE2]] : index
// CHECK-NEXT: %[[CNT2:.*]] = arith.muli %{{.*}}, %[[N2]] : index
// CHECK: %[[P3:.*]] = linalg.index 3 : index
// CHECK-NEXT: %[[S3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[START3:.*]] = arith.muli %[[P3]], %[[S3]] : index
// CHECK-NEXT: %[[D3:.*]] = arith.constant 3 : index
// CHECK-NEXT: %[[LO3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[A3:.*]] = arith.subi %[[LO3]], %[[START3]] : index
// CHECK-NEXT: %[[B3:.*]] = arith.ceildivsi %[[A3]], %[[D3]] : index
// CHECK-NEXT: %[[Z3:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST3:.*]] = arith.maxsi %[[Z3]], %[[B3]] : index
// CHECK-NEXT: %[[HI3:.*]] = arith.constant 7 : index
// CHECK-NEXT: %[[E3:.*]] = arith.subi %[[HI3]], %[[START3]] : index
// CHECK-NEXT: %[[F3:.*]] = arith.floordivsi %[[E3]], %[[D3]] : index
// CHECK-NEXT: %[[K3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LAST3:.*]] = arith.minsi %[[K3]], %[[F3]] : index
// CHECK-NEXT: %[[ONE3:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[W3:.*]] = arith.subi %[[LAST3]], %[[FIRST3]] : index
// CHECK-NEXT: %[[N3:.*]] = arith.addi %[[W3]], %[[ONE3]] : index
// CHECK-NEXT: %[[CNT3:.*]] = arith.muli %{{.*}}, %[[N3]] : index
// CHECK-NEXT: %[[NI:.*]] = arith.index_cast %[[CNT3]] : index to i64
// CHECK-NEXT: %[[NF:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[S]], %[[NF]] : f32
// CHECK-NEXT: linalg.yield %[[Q]] : f32
func.func @avg_pool_dilation(%x: tensor<1x1x7x7xf32>) -> tensor<1x1x6x5xf32> {
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 2, 2>, dilation = array<i64: 2, 3>, padding = array<i64: 1, 1, 0, 0>}
      : tensor<1x1x7x7xf32> -> tensor<1x1x6x5xf32>
  return %y : tensor<1x1x6x5xf32>
}

// -----

// Global average pooling: sum over (H, W) as reductions into N x C, divide
// by H * W = 20, then reshape to N x C x 1 x 1.
// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[NC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @global_avg_pool
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4x5xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK-SAME: ins(%[[X]] : tensor<2x3x4x5xf32>) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[A:.*]] = arith.addf %[[IN]], %[[ACC]] : f32
// CHECK-NEXT: linalg.yield %[[A]] : f32
// CHECK: %[[MEAN:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[SUM]] : tensor<2x3xf32>) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[CNT:.*]] = arith.constant 2.000000e+01 : f32
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[S]], %[[CNT]] : f32
// CHECK-NEXT: linalg.yield %[[Q]] : f32
// CHECK: tensor.collapse_shape %[[MEAN]]
// CHECK: %[[Y:.*]] = tensor.expand_shape {{.*}} into tensor<2x3x1x1xf32>
// CHECK: return %[[Y]] : tensor<2x3x1x1xf32>
func.func @global_avg_pool(%x: tensor<2x3x4x5xf32>) -> tensor<2x3x1x1xf32> {
  %y = dnn.global_avg_pool %x : tensor<2x3x4x5xf32> -> tensor<2x3x1x1xf32>
  return %y : tensor<2x3x1x1xf32>
}

// -----

// Rank 3, f16: one reduction dim, f32 sum, division by 7, truncf, reshape.
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[NC:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @global_avg_pool_rank3_f16
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x7xf16>)
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[NC]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]] : tensor<2x3x7xf16>) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f16, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[E:.*]] = arith.extf %[[IN]] : f16 to f32
// CHECK-NEXT: %[[A:.*]] = arith.addf %[[E]], %[[ACC]] : f32
// CHECK: %[[MEAN:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SUM]] : tensor<2x3xf32>) outs(%{{.*}} : tensor<2x3xf16>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: f16):
// CHECK-NEXT: %[[CNT:.*]] = arith.constant 7.000000e+00 : f32
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[S]], %[[CNT]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[Q]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: tensor.collapse_shape %[[MEAN]]
// CHECK: %[[Y:.*]] = tensor.expand_shape {{.*}} into tensor<2x3x1xf16>
// CHECK: return %[[Y]] : tensor<2x3x1xf16>
func.func @global_avg_pool_rank3_f16(%x: tensor<2x3x7xf16>) -> tensor<2x3x1xf16> {
  %y = dnn.global_avg_pool %x : tensor<2x3x7xf16> -> tensor<2x3x1xf16>
  return %y : tensor<2x3x1xf16>
}
