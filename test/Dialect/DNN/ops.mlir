// RUN: dnn-opt %s | dnn-opt | FileCheck %s
// RUN: dnn-opt %s --mlir-print-op-generic | dnn-opt | FileCheck %s
// RUN: dnn-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of every dnn op in its custom and generic forms. The GENERIC
// checks look at the generic form, which spells out the result types that the
// custom forms of activation, add, batch_norm and softmax leave to shape
// inference, and the attributes whose defaults the custom form elides.

//===----------------------------------------------------------------------===//
// dnn.conv2d
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @conv2d_bias
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x224x224xf32>, %[[W:.*]]: tensor<64x3x7x7xf32>, %[[B:.*]]: tensor<64xf32>)
// CHECK: %[[Y:.*]] = dnn.conv2d %[[X]], %[[W]], %[[B]] {padding = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>}
// CHECK-SAME: : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
// CHECK: return %[[Y]] : tensor<1x64x112x112xf32>
// GENERIC-LABEL: sym_name = "conv2d_bias"
// GENERIC: "dnn.conv2d"(%{{.*}}, %{{.*}}, %{{.*}}) <{dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>}>
// GENERIC-SAME: : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
func.func @conv2d_bias(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>,
                       %b: tensor<64xf32>) -> tensor<1x64x112x112xf32> {
  %y = dnn.conv2d %x, %w, %b {strides = array<i64: 2, 2>,
                              padding = array<i64: 3, 3, 3, 3>}
      : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>)
      -> tensor<1x64x112x112xf32>
  return %y : tensor<1x64x112x112xf32>
}

// Defaults (strides 1, no padding, dilation 1, one group) are elided.
// CHECK-LABEL: func.func @conv2d_no_bias
// CHECK: %[[Y:.*]] = dnn.conv2d %{{.*}}, %{{.*}} : (tensor<2x64x56x56xf16>, tensor<128x64x3x3xf16>) -> tensor<2x128x54x54xf16>
// CHECK: return %[[Y]]
func.func @conv2d_no_bias(%x: tensor<2x64x56x56xf16>, %w: tensor<128x64x3x3xf16>)
    -> tensor<2x128x54x54xf16> {
  %y = dnn.conv2d %x, %w {strides = array<i64: 1, 1>, groups = 1 : i64}
      : (tensor<2x64x56x56xf16>, tensor<128x64x3x3xf16>) -> tensor<2x128x54x54xf16>
  return %y : tensor<2x128x54x54xf16>
}

// Grouped: 32 input channels in 4 groups of 8, 64 filters.
// CHECK-LABEL: func.func @conv2d_groups
// CHECK: dnn.conv2d %{{.*}}, %{{.*}} {groups = 4 : i64, padding = array<i64: 1, 1, 1, 1>}
// CHECK-SAME: : (tensor<1x32x28x28xf32>, tensor<64x8x3x3xf32>) -> tensor<1x64x28x28xf32>
func.func @conv2d_groups(%x: tensor<1x32x28x28xf32>, %w: tensor<64x8x3x3xf32>)
    -> tensor<1x64x28x28xf32> {
  %y = dnn.conv2d %x, %w {groups = 4 : i64, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x32x28x28xf32>, tensor<64x8x3x3xf32>) -> tensor<1x64x28x28xf32>
  return %y : tensor<1x64x28x28xf32>
}

// Depthwise (groups = C) with asymmetric padding [top, left, bottom, right]:
// H = (112 + 0 + 1 - 3) / 2 + 1 = 56.
// CHECK-LABEL: func.func @conv2d_depthwise
// CHECK: dnn.conv2d %{{.*}}, %{{.*}}, %{{.*}} {groups = 32 : i64, padding = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>}
// CHECK-SAME: : (tensor<1x32x112x112xbf16>, tensor<32x1x3x3xbf16>, tensor<32xbf16>) -> tensor<1x32x56x56xbf16>
func.func @conv2d_depthwise(%x: tensor<1x32x112x112xbf16>, %w: tensor<32x1x3x3xbf16>,
                            %b: tensor<32xbf16>) -> tensor<1x32x56x56xbf16> {
  %y = dnn.conv2d %x, %w, %b {groups = 32 : i64, strides = array<i64: 2, 2>,
                              padding = array<i64: 0, 0, 1, 1>}
      : (tensor<1x32x112x112xbf16>, tensor<32x1x3x3xbf16>, tensor<32xbf16>)
      -> tensor<1x32x56x56xbf16>
  return %y : tensor<1x32x56x56xbf16>
}

// Dilation [2, 1] dilates the height only: extents 5 x 3 on a 32 x 32 input.
// CHECK-LABEL: func.func @conv2d_dilation
// CHECK: dnn.conv2d %{{.*}}, %{{.*}} {dilation = array<i64: 2, 1>}
// CHECK-SAME: : (tensor<1x16x32x32xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x28x30xf32>
func.func @conv2d_dilation(%x: tensor<1x16x32x32xf32>, %w: tensor<16x16x3x3xf32>)
    -> tensor<1x16x28x30xf32> {
  %y = dnn.conv2d %x, %w {dilation = array<i64: 2, 1>}
      : (tensor<1x16x32x32xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x28x30xf32>
  return %y : tensor<1x16x28x30xf32>
}

// Different strides per dimension; the window count rounds down:
// H = (10 - 3) / 2 + 1 = 4, W = (10 - 3) / 3 + 1 = 3.
// CHECK-LABEL: func.func @conv2d_strides
// CHECK: dnn.conv2d %{{.*}}, %{{.*}} {strides = array<i64: 2, 3>}
// CHECK-SAME: : (tensor<1x3x10x10xf64>, tensor<8x3x3x3xf64>) -> tensor<1x8x4x3xf64>
func.func @conv2d_strides(%x: tensor<1x3x10x10xf64>, %w: tensor<8x3x3x3xf64>)
    -> tensor<1x8x4x3xf64> {
  %y = dnn.conv2d %x, %w {strides = array<i64: 2, 3>}
      : (tensor<1x3x10x10xf64>, tensor<8x3x3x3xf64>) -> tensor<1x8x4x3xf64>
  return %y : tensor<1x8x4x3xf64>
}

//===----------------------------------------------------------------------===//
// dnn.linear, dnn.matmul
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @linear_bias
// CHECK: %[[Y:.*]] = dnn.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<8x512xf32>, tensor<1000x512xf32>, tensor<1000xf32>) -> tensor<8x1000xf32>
// CHECK: return %[[Y]] : tensor<8x1000xf32>
func.func @linear_bias(%x: tensor<8x512xf32>, %w: tensor<1000x512xf32>,
                       %b: tensor<1000xf32>) -> tensor<8x1000xf32> {
  %y = dnn.linear %x, %w, %b
      : (tensor<8x512xf32>, tensor<1000x512xf32>, tensor<1000xf32>) -> tensor<8x1000xf32>
  return %y : tensor<8x1000xf32>
}

// CHECK-LABEL: func.func @linear_no_bias
// CHECK: dnn.linear %{{.*}}, %{{.*}} : (tensor<8x512xf32>, tensor<10x512xf32>) -> tensor<8x10xf32>
func.func @linear_no_bias(%x: tensor<8x512xf32>, %w: tensor<10x512xf32>) -> tensor<8x10xf32> {
  %y = dnn.linear %x, %w : (tensor<8x512xf32>, tensor<10x512xf32>) -> tensor<8x10xf32>
  return %y : tensor<8x10xf32>
}

// Leading dimensions are kept: (2 x 16) x 64 -> (2 x 16) x 128.
// CHECK-LABEL: func.func @linear_rank3
// CHECK: dnn.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x16x64xf16>, tensor<128x64xf16>, tensor<128xf16>) -> tensor<2x16x128xf16>
func.func @linear_rank3(%x: tensor<2x16x64xf16>, %w: tensor<128x64xf16>,
                        %b: tensor<128xf16>) -> tensor<2x16x128xf16> {
  %y = dnn.linear %x, %w, %b
      : (tensor<2x16x64xf16>, tensor<128x64xf16>, tensor<128xf16>) -> tensor<2x16x128xf16>
  return %y : tensor<2x16x128xf16>
}

// A single feature vector.
// CHECK-LABEL: func.func @linear_rank1
// CHECK: dnn.linear %{{.*}}, %{{.*}} : (tensor<64xf32>, tensor<10x64xf32>) -> tensor<10xf32>
func.func @linear_rank1(%x: tensor<64xf32>, %w: tensor<10x64xf32>) -> tensor<10xf32> {
  %y = dnn.linear %x, %w : (tensor<64xf32>, tensor<10x64xf32>) -> tensor<10xf32>
  return %y : tensor<10xf32>
}

// CHECK-LABEL: func.func @matmul_rank2
// CHECK: %[[C:.*]] = dnn.matmul %{{.*}}, %{{.*}} : (tensor<64x32xf32>, tensor<32x16xf32>) -> tensor<64x16xf32>
// CHECK: return %[[C]] : tensor<64x16xf32>
func.func @matmul_rank2(%a: tensor<64x32xf32>, %b: tensor<32x16xf32>) -> tensor<64x16xf32> {
  %c = dnn.matmul %a, %b : (tensor<64x32xf32>, tensor<32x16xf32>) -> tensor<64x16xf32>
  return %c : tensor<64x16xf32>
}

// CHECK-LABEL: func.func @matmul_batch_broadcast
// CHECK: dnn.matmul %{{.*}}, %{{.*}} : (tensor<4x64x32xf32>, tensor<32x16xf32>) -> tensor<4x64x16xf32>
// CHECK: dnn.matmul %{{.*}}, %{{.*}} : (tensor<2x1x8x4xf32>, tensor<3x4x5xf32>) -> tensor<2x3x8x5xf32>
func.func @matmul_batch_broadcast(%a: tensor<4x64x32xf32>, %b: tensor<32x16xf32>,
                                  %c: tensor<2x1x8x4xf32>, %d: tensor<3x4x5xf32>)
    -> (tensor<4x64x16xf32>, tensor<2x3x8x5xf32>) {
  %0 = dnn.matmul %a, %b : (tensor<4x64x32xf32>, tensor<32x16xf32>) -> tensor<4x64x16xf32>
  %1 = dnn.matmul %c, %d : (tensor<2x1x8x4xf32>, tensor<3x4x5xf32>) -> tensor<2x3x8x5xf32>
  return %0, %1 : tensor<4x64x16xf32>, tensor<2x3x8x5xf32>
}

//===----------------------------------------------------------------------===//
// dnn.batch_norm, dnn.activation, dnn.add, dnn.softmax (inferred result types)
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME: (%[[X:.*]]: tensor<1x64x56x56xf32>, %[[G:.*]]: tensor<64xf32>, %[[BE:.*]]: tensor<64xf32>, %[[M:.*]]: tensor<64xf32>, %[[V:.*]]: tensor<64xf32>)
// CHECK: %[[Y:.*]] = dnn.batch_norm %[[X]], %[[G]], %[[BE]], %[[M]], %[[V]] {epsilon = 1.000000e-03 : f64} : tensor<1x64x56x56xf32>, tensor<64xf32>
// CHECK: %[[Z:.*]] = dnn.batch_norm %[[Y]], %[[G]], %[[BE]], %[[M]], %[[V]] : tensor<1x64x56x56xf32>, tensor<64xf32>
// CHECK: return %[[Z]] : tensor<1x64x56x56xf32>
// GENERIC-LABEL: sym_name = "batch_norm"
// GENERIC: "dnn.batch_norm"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{epsilon = 1.000000e-03 : f64}>
// GENERIC-SAME: : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
// GENERIC: "dnn.batch_norm"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{epsilon = 1.000000e-05 : f64}>
// GENERIC-SAME: -> tensor<1x64x56x56xf32>
func.func @batch_norm(%x: tensor<1x64x56x56xf32>, %gamma: tensor<64xf32>,
                      %beta: tensor<64xf32>, %mean: tensor<64xf32>,
                      %var: tensor<64xf32>) -> tensor<1x64x56x56xf32> {
  %y = dnn.batch_norm %x, %gamma, %beta, %mean, %var {epsilon = 1.0e-03 : f64}
      : tensor<1x64x56x56xf32>, tensor<64xf32>
  // epsilon omitted: the default 1e-5.
  %z = dnn.batch_norm %y, %gamma, %beta, %mean, %var
      : tensor<1x64x56x56xf32>, tensor<64xf32>
  return %z : tensor<1x64x56x56xf32>
}

// A 2-D (N x C) input, as after a linear layer.
// CHECK-LABEL: func.func @batch_norm_2d
// CHECK: dnn.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x256xf16>, tensor<256xf16>
// GENERIC-LABEL: sym_name = "batch_norm_2d"
// GENERIC: "dnn.batch_norm"{{.*}} -> tensor<8x256xf16>
func.func @batch_norm_2d(%x: tensor<8x256xf16>, %p: tensor<256xf16>) -> tensor<8x256xf16> {
  %y = dnn.batch_norm %x, %p, %p, %p, %p : tensor<8x256xf16>, tensor<256xf16>
  return %y : tensor<8x256xf16>
}

// CHECK-LABEL: func.func @activation
// CHECK-SAME: (%[[X:.*]]: tensor<1x32x112x112xf32>)
// CHECK: %[[A:.*]] = dnn.activation relu %[[X]] : tensor<1x32x112x112xf32>
// CHECK: %[[B:.*]] = dnn.activation relu6 %[[A]] : tensor<1x32x112x112xf32>
// CHECK: %[[C:.*]] = dnn.activation sigmoid %[[B]] : tensor<1x32x112x112xf32>
// CHECK: %[[D:.*]] = dnn.activation tanh %[[C]] : tensor<1x32x112x112xf32>
// CHECK: %[[E:.*]] = dnn.activation gelu %[[D]] : tensor<1x32x112x112xf32>
// CHECK: %[[F:.*]] = dnn.activation gelu_tanh %[[E]] : tensor<1x32x112x112xf32>
// CHECK: return %[[F]] : tensor<1x32x112x112xf32>
// GENERIC-LABEL: sym_name = "activation"
// GENERIC: "dnn.activation"(%{{.*}}) <{kind = 0 : i32}> : (tensor<1x32x112x112xf32>) -> tensor<1x32x112x112xf32>
// GENERIC: "dnn.activation"(%{{.*}}) <{kind = 1 : i32}> : (tensor<1x32x112x112xf32>) -> tensor<1x32x112x112xf32>
// GENERIC: "dnn.activation"(%{{.*}}) <{kind = 2 : i32}> : (tensor<1x32x112x112xf32>) -> tensor<1x32x112x112xf32>
// GENERIC: "dnn.activation"(%{{.*}}) <{kind = 3 : i32}> : (tensor<1x32x112x112xf32>) -> tensor<1x32x112x112xf32>
// GENERIC: "dnn.activation"(%{{.*}}) <{kind = 4 : i32}> : (tensor<1x32x112x112xf32>) -> tensor<1x32x112x112xf32>
// GENERIC: "dnn.activation"(%{{.*}}) <{kind = 5 : i32}> : (tensor<1x32x112x112xf32>) -> tensor<1x32x112x112xf32>
func.func @activation(%x: tensor<1x32x112x112xf32>) -> tensor<1x32x112x112xf32> {
  %a = dnn.activation relu %x : tensor<1x32x112x112xf32>
  %b = dnn.activation relu6 %a : tensor<1x32x112x112xf32>
  %c = dnn.activation sigmoid %b : tensor<1x32x112x112xf32>
  %d = dnn.activation tanh %c : tensor<1x32x112x112xf32>
  %e = dnn.activation gelu %d : tensor<1x32x112x112xf32>
  %f = dnn.activation gelu_tanh %e : tensor<1x32x112x112xf32>
  return %f : tensor<1x32x112x112xf32>
}

// The element type is inferred too.
// CHECK-LABEL: func.func @activation_f16
// CHECK: dnn.activation relu %{{.*}} : tensor<4x8xf16>
// GENERIC-LABEL: sym_name = "activation_f16"
// GENERIC: "dnn.activation"(%{{.*}}) <{kind = 0 : i32}> : (tensor<4x8xf16>) -> tensor<4x8xf16>
func.func @activation_f16(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %y = dnn.activation relu %x : tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}

// CHECK-LABEL: func.func @add_same_shape
// CHECK-SAME: (%[[A:.*]]: tensor<1x64x56x56xf32>, %[[B:.*]]: tensor<1x64x56x56xf32>)
// CHECK: %[[S:.*]] = dnn.add %[[A]], %[[B]] : tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>
// CHECK: return %[[S]] : tensor<1x64x56x56xf32>
// GENERIC-LABEL: sym_name = "add_same_shape"
// GENERIC: "dnn.add"(%{{.*}}, %{{.*}}) : (tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
func.func @add_same_shape(%a: tensor<1x64x56x56xf32>, %b: tensor<1x64x56x56xf32>)
    -> tensor<1x64x56x56xf32> {
  %s = dnn.add %a, %b : tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>
  return %s : tensor<1x64x56x56xf32>
}

// NumPy broadcasting, aligned from the right: 4x1x8 + 3x1 -> 4x3x8, in
// either operand order, and a rank-0 operand.
// CHECK-LABEL: func.func @add_broadcast
// CHECK: %[[S:.*]] = dnn.add %{{.*}}, %{{.*}} : tensor<4x1x8xf32>, tensor<3x1xf32>
// CHECK: %[[T:.*]] = dnn.add %{{.*}}, %{{.*}} : tensor<3x1xf32>, tensor<4x1x8xf32>
// CHECK: %[[U:.*]] = dnn.add %{{.*}}, %{{.*}} : tensor<f32>, tensor<4x1x8xf32>
// CHECK: return %[[S]], %[[T]], %[[U]] : tensor<4x3x8xf32>, tensor<4x3x8xf32>, tensor<4x1x8xf32>
// GENERIC-LABEL: sym_name = "add_broadcast"
// GENERIC: "dnn.add"(%{{.*}}, %{{.*}}) : (tensor<4x1x8xf32>, tensor<3x1xf32>) -> tensor<4x3x8xf32>
// GENERIC: "dnn.add"(%{{.*}}, %{{.*}}) : (tensor<3x1xf32>, tensor<4x1x8xf32>) -> tensor<4x3x8xf32>
// GENERIC: "dnn.add"(%{{.*}}, %{{.*}}) : (tensor<f32>, tensor<4x1x8xf32>) -> tensor<4x1x8xf32>
func.func @add_broadcast(%a: tensor<4x1x8xf32>, %b: tensor<3x1xf32>, %c: tensor<f32>)
    -> (tensor<4x3x8xf32>, tensor<4x3x8xf32>, tensor<4x1x8xf32>) {
  %s = dnn.add %a, %b : tensor<4x1x8xf32>, tensor<3x1xf32>
  %t = dnn.add %b, %a : tensor<3x1xf32>, tensor<4x1x8xf32>
  %u = dnn.add %c, %a : tensor<f32>, tensor<4x1x8xf32>
  return %s, %t, %u : tensor<4x3x8xf32>, tensor<4x3x8xf32>, tensor<4x1x8xf32>
}

// CHECK-LABEL: func.func @softmax
// CHECK: %[[P:.*]] = dnn.softmax %{{.*}} {axis = 1 : i64} : tensor<8x1000xf32>
// CHECK: %[[Q:.*]] = dnn.softmax %[[P]] {axis = 0 : i64} : tensor<8x1000xf32>
// CHECK: return %[[Q]] : tensor<8x1000xf32>
// GENERIC-LABEL: sym_name = "softmax"
// GENERIC: "dnn.softmax"(%{{.*}}) <{axis = 1 : i64}> : (tensor<8x1000xf32>) -> tensor<8x1000xf32>
// GENERIC: "dnn.softmax"(%{{.*}}) <{axis = 0 : i64}> : (tensor<8x1000xf32>) -> tensor<8x1000xf32>
func.func @softmax(%logits: tensor<8x1000xf32>) -> tensor<8x1000xf32> {
  %p = dnn.softmax %logits {axis = 1 : i64} : tensor<8x1000xf32>
  %q = dnn.softmax %p {axis = 0 : i64} : tensor<8x1000xf32>
  return %q : tensor<8x1000xf32>
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @max_pool2d
// CHECK: %[[Y:.*]] = dnn.max_pool2d %{{.*}} {kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK-SAME: : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
// CHECK: return %[[Y]] : tensor<1x64x56x56xf32>
// GENERIC-LABEL: sym_name = "max_pool2d"
// GENERIC: "dnn.max_pool2d"(%{{.*}}) <{ceil_mode = false, dilation = array<i64: 1, 1>, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}>
func.func @max_pool2d(%x: tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32> {
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 3, 3>,
                          strides = array<i64: 2, 2>,
                          padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
  return %y : tensor<1x64x56x56xf32>
}

// 5 + 1 + 1 padded, kernel 2, stride 2: 3 windows rounding down; rounding up
// would add a 4th that starts inside the bottom/right padding, so it is
// dropped and ceil_mode gives 3 too. Without padding ceil_mode adds one.
// CHECK-LABEL: func.func @max_pool2d_ceil_mode
// CHECK: dnn.max_pool2d %{{.*}} {ceil_mode = true, kernel_size = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK-SAME: : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
// CHECK: dnn.max_pool2d %{{.*}} {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>}
// CHECK-SAME: : tensor<1x1x5x5xf32> -> tensor<1x1x2x2xf32>
// CHECK: dnn.max_pool2d %{{.*}} {ceil_mode = true, kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>}
// CHECK-SAME: : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
func.func @max_pool2d_ceil_mode(%x: tensor<1x1x5x5xf32>)
    -> (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>) {
  %a = dnn.max_pool2d %x {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>,
                          padding = array<i64: 1, 1, 1, 1>, ceil_mode = true}
      : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  %b = dnn.max_pool2d %x {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>,
                          ceil_mode = false}
      : tensor<1x1x5x5xf32> -> tensor<1x1x2x2xf32>
  %c = dnn.max_pool2d %x {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>,
                          ceil_mode = true}
      : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  return %a, %b, %c : tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>
}

// Dilation 2 makes a 3x3 kernel span 5x5: 10 - 5 + 1 = 6.
// CHECK-LABEL: func.func @max_pool2d_dilation
// CHECK: dnn.max_pool2d %{{.*}} {dilation = array<i64: 2, 2>, kernel_size = array<i64: 3, 3>}
// CHECK-SAME: : tensor<1x4x10x10xf32> -> tensor<1x4x6x6xf32>
func.func @max_pool2d_dilation(%x: tensor<1x4x10x10xf32>) -> tensor<1x4x6x6xf32> {
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 3, 3>, dilation = array<i64: 2, 2>}
      : tensor<1x4x10x10xf32> -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// Strides too large for any arithmetic that adds to them: one window, in
// ceil_mode too (whose second window would start past 64 bits).
// CHECK-LABEL: func.func @max_pool2d_huge_stride
// CHECK: dnn.max_pool2d %{{.*}} {ceil_mode = true, kernel_size = array<i64: 2, 2>, strides = array<i64: 9223372036854775807, 9223372036854775807>}
// CHECK-SAME: : tensor<1x4x8x8xf32> -> tensor<1x4x1x1xf32>
func.func @max_pool2d_huge_stride(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32> {
  %y = dnn.max_pool2d %x {kernel_size = array<i64: 2, 2>, ceil_mode = true,
                          strides = array<i64: 9223372036854775807, 9223372036854775807>}
      : tensor<1x4x8x8xf32> -> tensor<1x4x1x1xf32>
  return %y : tensor<1x4x1x1xf32>
}

// CHECK-LABEL: func.func @avg_pool2d
// CHECK: %[[Y:.*]] = dnn.avg_pool2d %{{.*}} {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>}
// CHECK-SAME: : tensor<1x128x28x28xf32> -> tensor<1x128x14x14xf32>
// CHECK: return %[[Y]] : tensor<1x128x14x14xf32>
// GENERIC-LABEL: sym_name = "avg_pool2d"
// GENERIC: "dnn.avg_pool2d"(%{{.*}}) <{ceil_mode = false, count_include_pad = false, dilation = array<i64: 1, 1>, kernel_size = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}>
func.func @avg_pool2d(%x: tensor<1x128x28x28xf32>) -> tensor<1x128x14x14xf32> {
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x128x28x28xf32> -> tensor<1x128x14x14xf32>
  return %y : tensor<1x128x14x14xf32>
}

// CHECK-LABEL: func.func @avg_pool2d_count_include_pad
// CHECK: dnn.avg_pool2d %{{.*}} {count_include_pad = true, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>}
// CHECK-SAME: : tensor<1x8x28x28xf32> -> tensor<1x8x28x28xf32>
// GENERIC-LABEL: sym_name = "avg_pool2d_count_include_pad"
// GENERIC: "dnn.avg_pool2d"(%{{.*}}) <{ceil_mode = false, count_include_pad = true, dilation = array<i64: 1, 1>, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}>
func.func @avg_pool2d_count_include_pad(%x: tensor<1x8x28x28xf32>) -> tensor<1x8x28x28xf32> {
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>,
                          count_include_pad = true}
      : tensor<1x8x28x28xf32> -> tensor<1x8x28x28xf32>
  return %y : tensor<1x8x28x28xf32>
}

// Height 7, kernel 3, stride 2: 3 windows; width 8: 3 rounding down, 4 up.
// CHECK-LABEL: func.func @avg_pool2d_ceil_mode
// CHECK: dnn.avg_pool2d %{{.*}} {ceil_mode = true, kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 2>}
// CHECK-SAME: : tensor<2x3x7x8xf32> -> tensor<2x3x3x4xf32>
func.func @avg_pool2d_ceil_mode(%x: tensor<2x3x7x8xf32>) -> tensor<2x3x3x4xf32> {
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 2>,
                          ceil_mode = true}
      : tensor<2x3x7x8xf32> -> tensor<2x3x3x4xf32>
  return %y : tensor<2x3x3x4xf32>
}

// CHECK-LABEL: func.func @global_avg_pool
// CHECK: %[[A:.*]] = dnn.global_avg_pool %{{.*}} : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
// CHECK: %[[B:.*]] = dnn.global_avg_pool %{{.*}} : tensor<2x8x10xf32> -> tensor<2x8x1xf32>
// CHECK: %[[C:.*]] = dnn.global_avg_pool %{{.*}} : tensor<2x4x3x5x6xf32> -> tensor<2x4x1x1x1xf32>
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @global_avg_pool(%x: tensor<1x512x7x7xf32>, %y: tensor<2x8x10xf32>,
                           %z: tensor<2x4x3x5x6xf32>)
    -> (tensor<1x512x1x1xf32>, tensor<2x8x1xf32>, tensor<2x4x1x1x1xf32>) {
  %a = dnn.global_avg_pool %x : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
  %b = dnn.global_avg_pool %y : tensor<2x8x10xf32> -> tensor<2x8x1xf32>
  %c = dnn.global_avg_pool %z : tensor<2x4x3x5x6xf32> -> tensor<2x4x1x1x1xf32>
  return %a, %b, %c : tensor<1x512x1x1xf32>, tensor<2x8x1xf32>, tensor<2x4x1x1x1xf32>
}

//===----------------------------------------------------------------------===//
// dnn.flatten, dnn.reshape, dnn.concat
//===----------------------------------------------------------------------===//

// axis 0: everything inner; axis 1 (the default, elided); axis = rank:
// everything outer.
// CHECK-LABEL: func.func @flatten
// CHECK: %[[A:.*]] = dnn.flatten %{{.*}} {axis = 0 : i64} : tensor<2x3x4xf32> -> tensor<1x24xf32>
// CHECK: %[[B:.*]] = dnn.flatten %{{.*}} : tensor<2x3x4xf32> -> tensor<2x12xf32>
// CHECK: %[[C:.*]] = dnn.flatten %{{.*}} : tensor<2x3x4xf32> -> tensor<2x12xf32>
// CHECK: %[[D:.*]] = dnn.flatten %{{.*}} {axis = 2 : i64} : tensor<2x3x4xf32> -> tensor<6x4xf32>
// CHECK: %[[E:.*]] = dnn.flatten %{{.*}} {axis = 3 : i64} : tensor<2x3x4xf32> -> tensor<24x1xf32>
// CHECK: return %[[A]], %[[B]], %[[C]], %[[D]], %[[E]]
// GENERIC-LABEL: sym_name = "flatten"
// GENERIC: "dnn.flatten"(%{{.*}}) <{axis = 0 : i64}> : (tensor<2x3x4xf32>) -> tensor<1x24xf32>
// GENERIC: "dnn.flatten"(%{{.*}}) <{axis = 1 : i64}> : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
func.func @flatten(%x: tensor<2x3x4xf32>)
    -> (tensor<1x24xf32>, tensor<2x12xf32>, tensor<2x12xf32>, tensor<6x4xf32>, tensor<24x1xf32>) {
  %a = dnn.flatten %x {axis = 0 : i64} : tensor<2x3x4xf32> -> tensor<1x24xf32>
  %b = dnn.flatten %x : tensor<2x3x4xf32> -> tensor<2x12xf32>
  %c = dnn.flatten %x {axis = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x12xf32>
  %d = dnn.flatten %x {axis = 2 : i64} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %e = dnn.flatten %x {axis = 3 : i64} : tensor<2x3x4xf32> -> tensor<24x1xf32>
  return %a, %b, %c, %d, %e
      : tensor<1x24xf32>, tensor<2x12xf32>, tensor<2x12xf32>, tensor<6x4xf32>, tensor<24x1xf32>
}

// CHECK-LABEL: func.func @reshape
// CHECK: %[[R:.*]] = dnn.reshape %{{.*}} : tensor<1x512x1x1xf32> -> tensor<1x512xf32>
// CHECK: %[[S:.*]] = dnn.reshape %[[R]] : tensor<1x512xf32> -> tensor<8x8x8xf32>
// CHECK: return %[[S]] : tensor<8x8x8xf32>
func.func @reshape(%x: tensor<1x512x1x1xf32>) -> tensor<8x8x8xf32> {
  %r = dnn.reshape %x : tensor<1x512x1x1xf32> -> tensor<1x512xf32>
  %s = dnn.reshape %r : tensor<1x512xf32> -> tensor<8x8x8xf32>
  return %s : tensor<8x8x8xf32>
}

// CHECK-LABEL: func.func @concat_one
// CHECK: %[[C:.*]] = dnn.concat %{{.*}} {axis = 1 : i64} : (tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32>
// CHECK: return %[[C]]
func.func @concat_one(%a: tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32> {
  %c = dnn.concat %a {axis = 1 : i64} : (tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32>
  return %c : tensor<1x64x28x28xf32>
}

// CHECK-LABEL: func.func @concat_three
// CHECK-SAME: (%[[A:.*]]: tensor<1x64x28x28xf32>, %[[B:.*]]: tensor<1x32x28x28xf32>, %[[C:.*]]: tensor<1x16x28x28xf32>)
// CHECK: %[[R:.*]] = dnn.concat %[[A]], %[[B]], %[[C]] {axis = 1 : i64}
// CHECK-SAME: : (tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>, tensor<1x16x28x28xf32>) -> tensor<1x112x28x28xf32>
// CHECK: %[[S:.*]] = dnn.concat %[[A]], %[[A]], %[[A]] {axis = 3 : i64}
// CHECK-SAME: : (tensor<1x64x28x28xf32>, tensor<1x64x28x28xf32>, tensor<1x64x28x28xf32>) -> tensor<1x64x28x84xf32>
// CHECK: return %[[R]], %[[S]]
func.func @concat_three(%a: tensor<1x64x28x28xf32>, %b: tensor<1x32x28x28xf32>,
                        %c: tensor<1x16x28x28xf32>)
    -> (tensor<1x112x28x28xf32>, tensor<1x64x28x84xf32>) {
  %r = dnn.concat %a, %b, %c {axis = 1 : i64}
      : (tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>, tensor<1x16x28x28xf32>)
      -> tensor<1x112x28x28xf32>
  %s = dnn.concat %a, %a, %a {axis = 3 : i64}
      : (tensor<1x64x28x28xf32>, tensor<1x64x28x28xf32>, tensor<1x64x28x28xf32>)
      -> tensor<1x64x28x84xf32>
  return %r, %s : tensor<1x112x28x28xf32>, tensor<1x64x28x84xf32>
}

//===----------------------------------------------------------------------===//
// dnn.constant
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @constant_dense
// CHECK: %[[S:.*]] = dnn.constant dense<5.000000e-01> : tensor<64x3x3x3xf32>
// CHECK: %[[V:.*]] = dnn.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf16>
// CHECK: return %[[S]], %[[V]] : tensor<64x3x3x3xf32>, tensor<3xf16>
// GENERIC-LABEL: sym_name = "constant_dense"
// GENERIC: "dnn.constant"() <{value = dense<5.000000e-01> : tensor<64x3x3x3xf32>}> : () -> tensor<64x3x3x3xf32>
func.func @constant_dense() -> (tensor<64x3x3x3xf32>, tensor<3xf16>) {
  %s = dnn.constant dense<0.5> : tensor<64x3x3x3xf32>
  %v = dnn.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf16>
  return %s, %v : tensor<64x3x3x3xf32>, tensor<3xf16>
}

// A dense_resource blob: 4-byte alignment header, then 1.0f and 2.0f.
// CHECK-LABEL: func.func @constant_resource
// CHECK: %[[W:.*]] = dnn.constant dense_resource<weights> : tensor<2xf32>
// CHECK: return %[[W]] : tensor<2xf32>
// GENERIC-LABEL: sym_name = "constant_resource"
// GENERIC: "dnn.constant"() <{value = dense_resource<weights> : tensor<2xf32>}> : () -> tensor<2xf32>
func.func @constant_resource() -> tensor<2xf32> {
  %w = dnn.constant dense_resource<weights> : tensor<2xf32>
  return %w : tensor<2xf32>
}

//===----------------------------------------------------------------------===//
// dnn.mul, dnn.transpose, dilated dnn.avg_pool2d
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @mul_broadcast
// CHECK: dnn.mul %{{.*}}, %{{.*}} : tensor<1x64x56x56xf32>, tensor<1x64x1x1xf32>
// GENERIC-LABEL: sym_name = "mul_broadcast"
// GENERIC: "dnn.mul"(%{{.*}}, %{{.*}}) : (tensor<1x64x56x56xf32>, tensor<1x64x1x1xf32>) -> tensor<1x64x56x56xf32>
func.func @mul_broadcast(%a: tensor<1x64x56x56xf32>, %g: tensor<1x64x1x1xf32>) -> tensor<1x64x56x56xf32> {
  %y = dnn.mul %a, %g : tensor<1x64x56x56xf32>, tensor<1x64x1x1xf32>
  return %y : tensor<1x64x56x56xf32>
}

// CHECK-LABEL: func.func @transpose
// CHECK: dnn.transpose %{{.*}} {permutation = array<i64: 0, 2, 3, 1>} : tensor<1x3x4x5xf16> -> tensor<1x4x5x3xf16>
// GENERIC-LABEL: sym_name = "transpose"
// GENERIC: "dnn.transpose"(%{{.*}}) <{permutation = array<i64: 0, 2, 3, 1>}> : (tensor<1x3x4x5xf16>) -> tensor<1x4x5x3xf16>
func.func @transpose(%x: tensor<1x3x4x5xf16>) -> tensor<1x4x5x3xf16> {
  %y = dnn.transpose %x {permutation = array<i64: 0, 2, 3, 1>} : tensor<1x3x4x5xf16> -> tensor<1x4x5x3xf16>
  return %y : tensor<1x4x5x3xf16>
}

// Dilation 2 widens the 3x3 window to 5x5: (9 - 5) / 2 + 1 = 3.
// CHECK-LABEL: func.func @avg_pool2d_dilation
// CHECK: dnn.avg_pool2d %{{.*}} {dilation = array<i64: 2, 2>, kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 2>}
// CHECK-SAME: : tensor<1x4x9x9xf32> -> tensor<1x4x3x3xf32>
func.func @avg_pool2d_dilation(%x: tensor<1x4x9x9xf32>) -> tensor<1x4x3x3xf32> {
  %y = dnn.avg_pool2d %x {kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilation = array<i64: 2, 2>}
      : tensor<1x4x9x9xf32> -> tensor<1x4x3x3xf32>
  return %y : tensor<1x4x3x3xf32>
}

// CHECK: {-#
// CHECK-NEXT: dialect_resources: {
// CHECK-NEXT: builtin: {
// CHECK-NEXT: weights: "0x040000000000803F00000040"
// GENERIC: weights: "0x040000000000803F00000040"
{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000000000803F00000040"
    }
  }
#-}

