// Channel groups (lib/Analysis/ChannelGroups.cpp): one remark per group on
// its first producer (else the first op touching it). Ops without a
// location name are reported as <mnemonic>_<n>.
// RUN: dnn-opt %s --split-input-file --dnn-test-channel-groups -verify-diagnostics -o /dev/null

// conv -> bn -> relu -> conv: the first conv's output channels, the batch
// norm and its four parameters, the relu and the second conv's input
// channels are one group. The image channels (a function argument) and the
// last conv's output (a function result) are blocked.
func.func @chain(%x: tensor<1x3x16x16xf32>) -> tensor<1x16x16x16xf32> {
  %w1 = dnn.constant dense<1.0> : tensor<24x3x3x3xf32>
  %b1 = dnn.constant dense<0.0> : tensor<24xf32>
  %s = dnn.constant dense<1.0> : tensor<24xf32>
  %w2 = dnn.constant dense<1.0> : tensor<16x24x3x3xf32>
  // expected-remark @below {{channel group #0: 3 channels; consumers: conv2d_0; weights: 1; blocked: function argument #0; no producer}}
  // expected-remark @below {{channel group #1: 24 channels; producers: conv2d_0; consumers: conv2d_1; pass-through: batch_norm_0, activation_0; weights: 4; modifiable}}
  %c1 = dnn.conv2d %x, %w1, %b1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x3x16x16xf32>, tensor<24x3x3x3xf32>, tensor<24xf32>) -> tensor<1x24x16x16xf32>
  %n1 = dnn.batch_norm %c1, %s, %s, %s, %s : tensor<1x24x16x16xf32>, tensor<24xf32>
  %r1 = dnn.activation relu %n1 : tensor<1x24x16x16xf32>
  // expected-remark @below {{channel group #2: 16 channels; producers: conv2d_1; weights: 1; blocked: function result}}
  %c2 = dnn.conv2d %r1, %w2 {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x24x16x16xf32>, tensor<16x24x3x3xf32>) -> tensor<1x16x16x16xf32>
  return %c2 : tensor<1x16x16x16xf32>
}

// -----

// A residual block: the stem conv's output, the skip path, the second
// conv of the block and the add after it are one group (both sides of an
// add change together); the inner conv pair has its own group.
func.func @residual(%x: tensor<1x3x8x8xf32>) -> tensor<1x10x8x8xf32> {
  %ws = dnn.constant dense<1.0> : tensor<32x3x3x3xf32>
  %wa = dnn.constant dense<1.0> : tensor<16x32x3x3xf32>
  %wb = dnn.constant dense<1.0> : tensor<32x16x3x3xf32>
  %wc = dnn.constant dense<1.0> : tensor<10x32x1x1xf32>
  // expected-remark @below {{channel group #0: 3 channels; consumers: conv2d_0; weights: 1; blocked: function argument #0; no producer}}
  // expected-remark @below {{channel group #1: 32 channels; producers: conv2d_0, conv2d_2; consumers: conv2d_1, conv2d_3; pass-through: add_0, activation_1; weights: 4; modifiable}}
  %stem = dnn.conv2d %x, %ws {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<32x3x3x3xf32>) -> tensor<1x32x8x8xf32>
  // expected-remark @below {{channel group #2: 16 channels; producers: conv2d_1; consumers: conv2d_2; pass-through: activation_0; weights: 2; modifiable}}
  %a = dnn.conv2d %stem, %wa {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x32x8x8xf32>, tensor<16x32x3x3xf32>) -> tensor<1x16x8x8xf32>
  %ra = dnn.activation relu %a : tensor<1x16x8x8xf32>
  %b = dnn.conv2d %ra, %wb {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xf32>, tensor<32x16x3x3xf32>) -> tensor<1x32x8x8xf32>
  %sum = dnn.add %b, %stem : tensor<1x32x8x8xf32>, tensor<1x32x8x8xf32>
  %r = dnn.activation relu %sum : tensor<1x32x8x8xf32>
  // expected-remark @below {{channel group #3: 10 channels; producers: conv2d_3; weights: 1; blocked: function result}}
  %c = dnn.conv2d %r, %wc : (tensor<1x32x8x8xf32>, tensor<10x32x1x1xf32>) -> tensor<1x10x8x8xf32>
  return %c : tensor<1x10x8x8xf32>
}

// -----

// Depthwise-separable: the depthwise conv ties its input channels to its
// output channels (a pass-through with its weight and bias), so the stem
// conv's output reaches the pointwise conv's input; the pointwise conv
// starts a new group.
func.func @separable(%x: tensor<1x3x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %ws = dnn.constant dense<1.0> : tensor<32x3x3x3xf32>
  %wd = dnn.constant dense<1.0> : tensor<32x1x3x3xf32>
  %bd = dnn.constant dense<0.0> : tensor<32xf32>
  %wp = dnn.constant dense<1.0> : tensor<64x32x1x1xf32>
  %wo = dnn.constant dense<1.0> : tensor<8x64x1x1xf32>
  // expected-remark @below {{channel group #0: 3 channels; consumers: conv2d_0; weights: 1; blocked: function argument #0; no producer}}
  // expected-remark @below {{channel group #1: 32 channels; producers: conv2d_0; consumers: conv2d_2; pass-through: conv2d_1, activation_0; weights: 4; modifiable}}
  %stem = dnn.conv2d %x, %ws {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<32x3x3x3xf32>) -> tensor<1x32x8x8xf32>
  %dw = dnn.conv2d %stem, %wd, %bd {padding = array<i64: 1, 1, 1, 1>, groups = 32 : i64} : (tensor<1x32x8x8xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>) -> tensor<1x32x8x8xf32>
  %r = dnn.activation relu6 %dw : tensor<1x32x8x8xf32>
  // expected-remark @below {{channel group #2: 64 channels; producers: conv2d_2; consumers: conv2d_3; weights: 2; modifiable}}
  %pw = dnn.conv2d %r, %wp : (tensor<1x32x8x8xf32>, tensor<64x32x1x1xf32>) -> tensor<1x64x8x8xf32>
  // expected-remark @below {{channel group #3: 8 channels; producers: conv2d_3; weights: 1; blocked: function result}}
  %o = dnn.conv2d %pw, %wo : (tensor<1x64x8x8xf32>, tensor<8x64x1x1xf32>) -> tensor<1x8x8x8xf32>
  return %o : tensor<1x8x8x8xf32>
}

// -----

// A concat of two conv outputs feeding a conv: each conv output is a group
// of its own, a piece (at an offset) of the concat result's group, which
// changes only through its pieces.
func.func @concat(%x: tensor<1x3x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %wa = dnn.constant dense<1.0> : tensor<16x3x1x1xf32>
  %wb = dnn.constant dense<1.0> : tensor<8x3x3x3xf32>
  %wc = dnn.constant dense<1.0> : tensor<8x24x1x1xf32>
  // expected-remark @below {{channel group #0: 3 channels; consumers: conv2d_0, conv2d_1; weights: 2; blocked: function argument #0; no producer}}
  // expected-remark @below {{channel group #1: 16 channels; producers: conv2d_0; weights: 1; piece of #3@0; modifiable}}
  %a = dnn.conv2d %x, %wa : (tensor<1x3x8x8xf32>, tensor<16x3x1x1xf32>) -> tensor<1x16x8x8xf32>
  // expected-remark @below {{channel group #2: 8 channels; producers: conv2d_1; weights: 1; piece of #3@16; modifiable}}
  %b = dnn.conv2d %x, %wb {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x8x8xf32>
  // expected-remark @below {{channel group #3: 24 channels; consumers: conv2d_2; weights: 1; pieces: #1@0 #2@16; blocked: concat result (changes through its pieces)}}
  %cat = dnn.concat %a, %b {axis = 1 : i64} : (tensor<1x16x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x24x8x8xf32>
  // expected-remark @below {{channel group #4: 8 channels; producers: conv2d_2; weights: 1; blocked: function result}}
  %c = dnn.conv2d %cat, %wc : (tensor<1x24x8x8xf32>, tensor<8x24x1x1xf32>) -> tensor<1x8x8x8xf32>
  return %c : tensor<1x8x8x8xf32>
}

// -----

// A concat result that is a function result blocks its pieces too.
func.func @concat_returned(%x: tensor<1x3x8x8xf32>) -> tensor<1x24x8x8xf32> {
  %wa = dnn.constant dense<1.0> : tensor<16x3x1x1xf32>
  %wb = dnn.constant dense<1.0> : tensor<8x3x1x1xf32>
  // expected-remark @below {{channel group #0: 3 channels; consumers: conv2d_0, conv2d_1; weights: 2; blocked: function argument #0; no producer}}
  // expected-remark @below {{channel group #1: 16 channels; producers: conv2d_0; weights: 1; piece of #3@0; blocked: concat result blocked: function result}}
  %a = dnn.conv2d %x, %wa : (tensor<1x3x8x8xf32>, tensor<16x3x1x1xf32>) -> tensor<1x16x8x8xf32>
  // expected-remark @below {{channel group #2: 8 channels; producers: conv2d_1; weights: 1; piece of #3@16; blocked: concat result blocked: function result}}
  %b = dnn.conv2d %x, %wb : (tensor<1x3x8x8xf32>, tensor<8x3x1x1xf32>) -> tensor<1x8x8x8xf32>
  // expected-remark @below {{channel group #3: 24 channels; weights: 0; pieces: #1@0 #2@16; blocked: function result; concat result (changes through its pieces)}}
  %cat = dnn.concat %a, %b {axis = 1 : i64} : (tensor<1x16x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x24x8x8xf32>
  return %cat : tensor<1x24x8x8xf32>
}

// -----

// Classifier head: the flatten only drops unit dims (1x64x1x1 -> 1x64), so
// the conv's output channels reach the linear layer's input as one group.
func.func @head(%x: tensor<1x3x8x8xf32>) -> tensor<1x10xf32> {
  %w = dnn.constant dense<1.0> : tensor<64x3x3x3xf32>
  %fw = dnn.constant dense<1.0> : tensor<10x64xf32>
  // expected-remark @below {{channel group #0: 3 channels; consumers: conv2d_0; weights: 1; blocked: function argument #0; no producer}}
  // expected-remark @below {{channel group #1: 64 channels; producers: conv2d_0; consumers: linear_0; pass-through: global_avg_pool_0, flatten_0; weights: 2; modifiable}}
  %c = dnn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<64x3x3x3xf32>) -> tensor<1x64x6x6xf32>
  %g = dnn.global_avg_pool %c : tensor<1x64x6x6xf32> -> tensor<1x64x1x1xf32>
  %f = dnn.flatten %g : tensor<1x64x1x1xf32> -> tensor<1x64xf32>
  // expected-remark @below {{channel group #2: 10 channels; producers: linear_0; weights: 1; blocked: function result}}
  %l = dnn.linear %f, %fw : (tensor<1x64xf32>, tensor<10x64xf32>) -> tensor<1x10xf32>
  return %l : tensor<1x10xf32>
}

// -----

// A flatten that merges channels with spatial dims (1x16x2x2 -> 1x64) is
// opaque: both sides are blocked. A reshape that keeps the channels but
// leaves a unit channel dim untied (1x1x1x16 -> 1x16) blocks that group:
// the reshape would not follow a change of it.
func.func @merging_flatten(%x: tensor<1x3x4x4xf32>, %y: tensor<1x3x1x16xf32>) -> (tensor<1x10xf32>, tensor<1x16xf32>) {
  %w = dnn.constant dense<1.0> : tensor<16x3x3x3xf32>
  %fw = dnn.constant dense<1.0> : tensor<10x64xf32>
  %w1 = dnn.constant dense<1.0> : tensor<1x3x1x1xf32>
  // expected-remark @below {{channel group #0: 3 channels; consumers: conv2d_0; weights: 1; blocked: function argument #0; no producer}}
  // expected-remark @below {{channel group #2: 16 channels; producers: conv2d_0; weights: 1; blocked: opaque op flatten_0 (dnn.flatten)}}
  %c = dnn.conv2d %x, %w {padding = array<i64: 0, 0, 0, 0>} : (tensor<1x3x4x4xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x2x2xf32>
  %f = dnn.flatten %c : tensor<1x16x2x2xf32> -> tensor<1x64xf32>
  // expected-remark @below {{channel group #3: 64 channels; consumers: linear_0; weights: 1; blocked: opaque op flatten_0 (dnn.flatten); no producer}}
  // expected-remark @below {{channel group #4: 10 channels; producers: linear_0; weights: 1; blocked: function result}}
  %l = dnn.linear %f, %fw : (tensor<1x64xf32>, tensor<10x64xf32>) -> tensor<1x10xf32>
  // expected-remark @below {{channel group #1: 3 channels; consumers: conv2d_1; weights: 1; blocked: function argument #1; no producer}}
  // expected-remark @below {{channel group #5: 1 channels; producers: conv2d_1; weights: 1; blocked: dim 1 not carried through reshape_0 (dnn.reshape)}}
  %c1 = dnn.conv2d %y, %w1 : (tensor<1x3x1x16xf32>, tensor<1x3x1x1xf32>) -> tensor<1x1x1x16xf32>
  %r = dnn.reshape %c1 : tensor<1x1x1x16xf32> -> tensor<1x16xf32>
  return %l, %r : tensor<1x10xf32>, tensor<1x16xf32>
}

// A conv whose weight is not a dnn.constant blocks both groups its weight
// touches: its output channels and its input channels.
func.func @weight_argument(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<1x8x6x6xf32> {
  %w2 = dnn.constant dense<1.0> : tensor<8x16x1x1xf32>
  // expected-remark @below {{channel group #0: 3 channels; consumers: conv2d_0; weights: 0; blocked: non-constant weight of conv2d_0; function argument #0; function argument #1; no producer}}
  // expected-remark @below {{channel group #1: 16 channels; producers: conv2d_0; consumers: conv2d_1; pass-through: max_pool2d_0; weights: 1; blocked: non-constant weight of conv2d_0; function argument #1}}
  %c = dnn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x6x6xf32>
  %p = dnn.max_pool2d %c {kernel_size = array<i64: 1, 1>} : tensor<1x16x6x6xf32> -> tensor<1x16x6x6xf32>
  // expected-remark @below {{channel group #2: 8 channels; producers: conv2d_1; weights: 1; blocked: function result}}
  %c2 = dnn.conv2d %p, %w2 : (tensor<1x16x6x6xf32>, tensor<8x16x1x1xf32>) -> tensor<1x8x6x6xf32>
  return %c2 : tensor<1x8x6x6xf32>
}

// -----

// Linear layers: the first layer's output features, a broadcast add of a
// constant (tied along the non-broadcast dim), the activation and the
// second layer's input features are one group.
func.func @mlp(%x: tensor<8x64xf32>) -> tensor<8x10xf32> {
  %w1 = dnn.constant dense<1.0> : tensor<128x64xf32>
  %b1 = dnn.constant dense<0.0> : tensor<128xf32>
  %shift = dnn.constant dense<0.5> : tensor<128xf32>
  %w2 = dnn.constant dense<1.0> : tensor<10x128xf32>
  // expected-remark @below {{channel group #0: 64 channels; consumers: linear_0; weights: 1; blocked: function argument #0; no producer}}
  // expected-remark @below {{channel group #1: 128 channels; producers: linear_0; consumers: linear_1; pass-through: add_0, activation_0; weights: 4; modifiable}}
  %h = dnn.linear %x, %w1, %b1 : (tensor<8x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<8x128xf32>
  %s = dnn.add %h, %shift : tensor<8x128xf32>, tensor<128xf32>
  %r = dnn.activation gelu %s : tensor<8x128xf32>
  // expected-remark @below {{channel group #2: 10 channels; producers: linear_1; weights: 1; blocked: function result}}
  %y = dnn.linear %r, %w2 : (tensor<8x128xf32>, tensor<10x128xf32>) -> tensor<8x10xf32>
  return %y : tensor<8x10xf32>
}
