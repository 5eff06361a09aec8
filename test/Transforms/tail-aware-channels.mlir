// dnn-tail-aware-channels on the H100 model (132 SMs). The remarks of the
// pass are checked in tail-aware-channels-diagnostics.mlir.
// RUN: dnn-opt %s --split-input-file --dnn-attach-target=gpu=h100 --dnn-tail-aware-channels=mode=prune 2>/dev/null | FileCheck %s --check-prefix=PRUNE
// RUN: dnn-opt %s --split-input-file --dnn-attach-target=gpu=h100 --dnn-tail-aware-channels=mode=pad --mlir-elide-elementsattrs-if-larger=4 2>/dev/null | FileCheck %s --check-prefix=PAD
// RUN: dnn-opt %s --split-input-file --dnn-attach-target=gpu=h100 --dnn-tail-aware-channels="mode=prune report=-" -o /dev/null 2>/dev/null | FileCheck %s --check-prefix=TABLE
// RUN: dnn-opt %s --split-input-file --dnn-attach-target=gpu=h100 --dnn-tail-aware-channels="mode=prune prune-pick=fastest report=-" -o /dev/null 2>/dev/null | FileCheck %s --check-prefix=FASTEST

// 136 output channels on 112x112: the conv runs 1.11 waves (the group's
// two GEMMs 1.48) and pays for 3 waves, 128 channels for 2, so prune
// removes 8 channels (the first conv's filters and the
// second conv's input slices). Pad mode instead fills the third wave up
// to 144 channels within the 0.5% latency tolerance.
// PRUNE-LABEL: func.func @just_above_a_wave
// PRUNE: dnn.constant dense<1.000000e+00> : tensor<128x64x3x3xf32>
// PRUNE: dnn.constant dense<2.000000e+00> : tensor<16x128x1x1xf32>
// PRUNE: dnn.conv2d {{.*}} -> tensor<1x128x112x112xf32>
// PRUNE: dnn.activation relu {{.*}} : tensor<1x128x112x112xf32>
// PRUNE: dnn.conv2d {{.*}} : (tensor<1x128x112x112xf32>, tensor<16x128x1x1xf32>) -> tensor<1x16x112x112xf32>
// PAD-LABEL: func.func @just_above_a_wave
// PAD: dnn.conv2d {{.*}} -> tensor<1x144x112x112xf32>
// PAD: dnn.conv2d {{.*}} : (tensor<1x144x112x112xf32>, tensor<16x144x1x1xf32>) -> tensor<1x16x112x112xf32>
// TABLE: just_above_a_wave 1 prune 136 -> 128 1.48 -> 1.11 133.45 -> 85.34 conv2d_0,conv2d_1,activation_0
// TABLE-NEXT: 136 -> 128 channels: 3 -> 2 waves paid, 133.45 -> 85.34 us
// TABLE: total: 133.45 us -> 85.34 us (3 groups, 1 changed, 2 blocked, 2 rounds)
func.func @just_above_a_wave(%x: tensor<1x64x112x112xf32>) -> tensor<1x16x112x112xf32> {
  %w1 = dnn.constant dense<1.0> : tensor<136x64x3x3xf32>
  %w2 = dnn.constant dense<2.0> : tensor<16x136x1x1xf32>
  %c1 = dnn.conv2d %x, %w1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x112x112xf32>, tensor<136x64x3x3xf32>) -> tensor<1x136x112x112xf32>
  %r1 = dnn.activation relu %c1 : tensor<1x136x112x112xf32>
  %c2 = dnn.conv2d %r1, %w2 : (tensor<1x136x112x112xf32>, tensor<16x136x1x1xf32>) -> tensor<1x16x112x112xf32>
  return %c2 : tensor<1x16x112x112xf32>
}

// -----

// 120 channels leave the last wave partly empty: pad grows the group to
// 125, the most within 0.5% latency (zero filters and bias, batch norm
// scale 1 / offset 0 / mean 0 / variance 1, zero input slices of the
// consumer); prune finds nothing that removes a wave.
// PRUNE-LABEL: func.func @partly_empty_wave
// PRUNE: dnn.conv2d {{.*}} -> tensor<1x120x112x112xf32>
// PAD-LABEL: func.func @partly_empty_wave
// PAD-DAG: dnn.constant {{.*}} : tensor<125x64x3x3xf32>
// PAD-DAG: dnn.constant {{.*}} : tensor<125xf32>
// PAD-DAG: dnn.constant {{.*}} : tensor<16x125x1x1xf32>
// PAD: dnn.conv2d {{.*}} : (tensor<1x64x112x112xf32>, tensor<125x64x3x3xf32>, tensor<125xf32>) -> tensor<1x125x112x112xf32>
// PAD: dnn.batch_norm {{.*}} : tensor<1x125x112x112xf32>, tensor<125xf32>
// PAD: dnn.activation relu {{.*}} : tensor<1x125x112x112xf32>
// PAD: dnn.conv2d {{.*}} : (tensor<1x125x112x112xf32>, tensor<16x125x1x1xf32>) -> tensor<1x16x112x112xf32>
// TABLE: partly_empty_wave 1 keep 120 -> 120
func.func @partly_empty_wave(%x: tensor<1x64x112x112xf32>) -> tensor<1x16x112x112xf32> {
  %w1 = dnn.constant dense<1.0> : tensor<120x64x3x3xf32>
  %b1 = dnn.constant dense<0.5> : tensor<120xf32>
  %g = dnn.constant dense<2.0> : tensor<120xf32>
  %be = dnn.constant dense<0.25> : tensor<120xf32>
  %m = dnn.constant dense<0.125> : tensor<120xf32>
  %v = dnn.constant dense<4.0> : tensor<120xf32>
  %w2 = dnn.constant dense<1.0> : tensor<16x120x1x1xf32>
  %c1 = dnn.conv2d %x, %w1, %b1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x112x112xf32>, tensor<120x64x3x3xf32>, tensor<120xf32>) -> tensor<1x120x112x112xf32>
  %n1 = dnn.batch_norm %c1, %g, %be, %m, %v : tensor<1x120x112x112xf32>, tensor<120xf32>
  %r1 = dnn.activation relu %n1 : tensor<1x120x112x112xf32>
  %c2 = dnn.conv2d %r1, %w2 : (tensor<1x120x112x112xf32>, tensor<16x120x1x1xf32>) -> tensor<1x16x112x112xf32>
  return %c2 : tensor<1x16x112x112xf32>
}

// -----

// A residual block: the stem conv and the block's second conv both produce
// the channels the add joins, so they change together (one group): the
// stem's and %wb's filters, %wa's and %wc's input slices, the add and the
// relu all go to 128 channels (pad mode: 143). The inner pair (%wa -> %wb, 32 channels) is
// a group of its own and stays.
// PRUNE-LABEL: func.func @residual
// PRUNE-DAG: dnn.constant dense<1.000000e+00> : tensor<128x64x3x3xf32>
// PRUNE-DAG: dnn.constant dense<1.000000e+00> : tensor<32x128x1x1xf32>
// PRUNE-DAG: dnn.constant dense<1.000000e+00> : tensor<128x32x1x1xf32>
// PRUNE-DAG: dnn.constant dense<1.000000e+00> : tensor<16x128x1x1xf32>
// PRUNE: dnn.conv2d {{.*}} -> tensor<1x128x112x112xf32>
// PRUNE: dnn.conv2d {{.*}} : (tensor<1x128x112x112xf32>, tensor<32x128x1x1xf32>) -> tensor<1x32x112x112xf32>
// PRUNE: dnn.conv2d {{.*}} : (tensor<1x32x112x112xf32>, tensor<128x32x1x1xf32>) -> tensor<1x128x112x112xf32>
// PRUNE: dnn.add {{.*}} : tensor<1x128x112x112xf32>, tensor<1x128x112x112xf32>
// PRUNE: dnn.activation relu {{.*}} : tensor<1x128x112x112xf32>
// PRUNE: dnn.conv2d {{.*}} : (tensor<1x128x112x112xf32>, tensor<16x128x1x1xf32>) -> tensor<1x16x112x112xf32>
// PAD-LABEL: func.func @residual
// PAD: dnn.add {{.*}} : tensor<1x143x112x112xf32>, tensor<1x143x112x112xf32>
// TABLE: residual 1 prune 136 -> 128 {{.*}} conv2d_0,conv2d_2,conv2d_1,conv2d_3,add_0,activation_0
func.func @residual(%x: tensor<1x64x112x112xf32>) -> tensor<1x16x112x112xf32> {
  %ws = dnn.constant dense<1.0> : tensor<136x64x3x3xf32>
  %wa = dnn.constant dense<1.0> : tensor<32x136x1x1xf32>
  %wb = dnn.constant dense<1.0> : tensor<136x32x1x1xf32>
  %wc = dnn.constant dense<1.0> : tensor<16x136x1x1xf32>
  %stem = dnn.conv2d %x, %ws {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x112x112xf32>, tensor<136x64x3x3xf32>) -> tensor<1x136x112x112xf32>
  %a = dnn.conv2d %stem, %wa : (tensor<1x136x112x112xf32>, tensor<32x136x1x1xf32>) -> tensor<1x32x112x112xf32>
  %b = dnn.conv2d %a, %wb : (tensor<1x32x112x112xf32>, tensor<136x32x1x1xf32>) -> tensor<1x136x112x112xf32>
  %sum = dnn.add %b, %stem : tensor<1x136x112x112xf32>, tensor<1x136x112x112xf32>
  %r = dnn.activation relu %sum : tensor<1x136x112x112xf32>
  %c = dnn.conv2d %r, %wc : (tensor<1x136x112x112xf32>, tensor<16x136x1x1xf32>) -> tensor<1x16x112x112xf32>
  return %c : tensor<1x16x112x112xf32>
}

// -----

// A group that reaches the function result is blocked: nothing changes.
// PRUNE-LABEL: func.func @blocked
// PAD-LABEL: func.func @blocked
// PAD: return {{.*}} : tensor<1x136x112x112xf32>
// PRUNE: dnn.conv2d {{.*}} -> tensor<1x136x112x112xf32>
// PRUNE: return {{.*}} : tensor<1x136x112x112xf32>
// TABLE: blocked 1 blocked 136 -> 136
// TABLE-NEXT: function result
func.func @blocked(%x: tensor<1x64x112x112xf32>) -> tensor<1x136x112x112xf32> {
  %w1 = dnn.constant dense<1.0> : tensor<136x64x3x3xf32>
  %c1 = dnn.conv2d %x, %w1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x112x112xf32>, tensor<136x64x3x3xf32>) -> tensor<1x136x112x112xf32>
  %r1 = dnn.activation relu %c1 : tensor<1x136x112x112xf32>
  return %r1 : tensor<1x136x112x112xf32>
}

// -----

// A depthwise conv passes the channels through (a GemmBatch term): its
// filters and bias are sliced with the group and its `groups` follows the
// channel count.
// PRUNE-LABEL: func.func @depthwise
// PRUNE-DAG: dnn.constant dense<1.000000e+00> : tensor<134x1x3x3xf32>
// PRUNE-DAG: dnn.constant dense<5.000000e-01> : tensor<134xf32>
// PRUNE: dnn.conv2d {{.*}}groups = 134 : i64{{.*}} : (tensor<1x134x112x112xf32>, tensor<134x1x3x3xf32>, tensor<134xf32>) -> tensor<1x134x112x112xf32>
func.func @depthwise(%x: tensor<1x64x112x112xf32>) -> tensor<1x16x112x112xf32> {
  %w1 = dnn.constant dense<1.0> : tensor<136x64x3x3xf32>
  %wd = dnn.constant dense<1.0> : tensor<136x1x3x3xf32>
  %bd = dnn.constant dense<0.5> : tensor<136xf32>
  %w2 = dnn.constant dense<1.0> : tensor<16x136x1x1xf32>
  %c1 = dnn.conv2d %x, %w1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x112x112xf32>, tensor<136x64x3x3xf32>) -> tensor<1x136x112x112xf32>
  %d = dnn.conv2d %c1, %wd, %bd {padding = array<i64: 1, 1, 1, 1>, groups = 136 : i64} : (tensor<1x136x112x112xf32>, tensor<136x1x3x3xf32>, tensor<136xf32>) -> tensor<1x136x112x112xf32>
  %c2 = dnn.conv2d %d, %w2 : (tensor<1x136x112x112xf32>, tensor<16x136x1x1xf32>) -> tensor<1x16x112x112xf32>
  return %c2 : tensor<1x16x112x112xf32>
}

// -----

// 400 channels on 112x112 run 2.6 waves of the chosen kernel. Removing 10%
// (360 channels) still leaves a third wave, so prune (largest) keeps; the
// model charges co-resident CTAs of a partial wave by their count, so pad
// finds only 2 channels within 0.5%. prune-pick=fastest takes the fastest
// count in range instead: 360 channels, the most that max-prune allows
// (the model's latency falls with every co-resident CTA removed).
// PRUNE-LABEL: func.func @two_and_a_half_waves
// PRUNE: dnn.conv2d {{.*}} -> tensor<1x400x112x112xf32>
// PAD-LABEL: func.func @two_and_a_half_waves
// PAD: dnn.conv2d {{.*}} -> tensor<1x402x112x112xf32>
// TABLE: two_and_a_half_waves 1 keep 400 -> 400 2.97 -> 2.97
// TABLE-NEXT: no candidate count helps
// FASTEST: two_and_a_half_waves 1 prune 400 -> 360 2.97 -> 2.60 269.29 -> 237.16
func.func @two_and_a_half_waves(%x: tensor<1x64x112x112xf32>) -> tensor<1x16x112x112xf32> {
  %w1 = dnn.constant dense<1.0> : tensor<400x64x3x3xf32>
  %w2 = dnn.constant dense<2.0> : tensor<16x400x1x1xf32>
  %c1 = dnn.conv2d %x, %w1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x112x112xf32>, tensor<400x64x3x3xf32>) -> tensor<1x400x112x112xf32>
  %r1 = dnn.activation relu %c1 : tensor<1x400x112x112xf32>
  %c2 = dnn.conv2d %r1, %w2 : (tensor<1x400x112x112xf32>, tensor<16x400x1x1xf32>) -> tensor<1x16x112x112xf32>
  return %c2 : tensor<1x16x112x112xf32>
}

// -----

// A concat: %a (136 channels, just above a wave) and %b (40) are joined;
// %a's group is a piece at offset 0 of the concat's group. Pruning %a to
// 128 shrinks the concat to 168 and slices the consumer's input channels
// of %a's removed channels (the numbers are checked by
// python/tests/test_tail_aware_channels.py); the concat's group follows.
// PRUNE-LABEL: func.func @concat
// PRUNE-DAG: dnn.constant dense<1.000000e+00> : tensor<128x64x3x3xf32>
// PRUNE-DAG: dnn.constant dense<1.000000e+00> : tensor<40x64x1x1xf32>
// PRUNE-DAG: dnn.constant dense<1.000000e+00> : tensor<16x168x1x1xf32>
// PRUNE: dnn.concat {{.*}} : (tensor<1x128x112x112xf32>, tensor<1x40x112x112xf32>) -> tensor<1x168x112x112xf32>
// PRUNE: dnn.activation relu {{.*}} : tensor<1x168x112x112xf32>
// PRUNE: dnn.conv2d {{.*}} : (tensor<1x168x112x112xf32>, tensor<16x168x1x1xf32>) -> tensor<1x16x112x112xf32>
// PAD-LABEL: func.func @concat
// PAD: dnn.concat {{.*}} -> tensor<1x176x112x112xf32>
// TABLE: concat 1 prune 136 -> 128
// TABLE: concat 2 keep 40 -> 40
// TABLE: concat 3 follow 176 -> 168 {{.*}} conv2d_2,activation_0
// TABLE-NEXT: concatenation of groups #1, #2
func.func @concat(%x: tensor<1x64x112x112xf32>) -> tensor<1x16x112x112xf32> {
  %wa = dnn.constant dense<1.0> : tensor<136x64x3x3xf32>
  %wb = dnn.constant dense<1.0> : tensor<40x64x1x1xf32>
  %wc = dnn.constant dense<1.0> : tensor<16x176x1x1xf32>
  %a = dnn.conv2d %x, %wa {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x112x112xf32>, tensor<136x64x3x3xf32>) -> tensor<1x136x112x112xf32>
  %b = dnn.conv2d %x, %wb : (tensor<1x64x112x112xf32>, tensor<40x64x1x1xf32>) -> tensor<1x40x112x112xf32>
  %cat = dnn.concat %a, %b {axis = 1 : i64} : (tensor<1x136x112x112xf32>, tensor<1x40x112x112xf32>) -> tensor<1x176x112x112xf32>
  %r = dnn.activation relu %cat : tensor<1x176x112x112xf32>
  %c = dnn.conv2d %r, %wc : (tensor<1x176x112x112xf32>, tensor<16x176x1x1xf32>) -> tensor<1x16x112x112xf32>
  return %c : tensor<1x16x112x112xf32>
}

// -----

// The issue's "just over one wave" case: 648 filters of 3x3 on 56x56 run
// 11 x 49 = 539 CTAs of 64x64 tiles, 4 per SM: 1.02 waves of 528 slots.
// Removing 8 filters (1.2%) leaves 490 CTAs, one wave: the group's
// predicted latency falls by 28%. Pad fills the eleventh column of tiles
// up to 672 filters for +0.2%.
// PRUNE-LABEL: func.func @one_point_zero_two_waves
// PRUNE: dnn.conv2d {{.*}} -> tensor<1x640x56x56xf32>
// PRUNE: dnn.conv2d {{.*}} : (tensor<1x640x56x56xf32>, tensor<16x640x1x1xf32>) -> tensor<1x16x56x56xf32>
// PAD-LABEL: func.func @one_point_zero_two_waves
// PAD: dnn.conv2d {{.*}} -> tensor<1x672x56x56xf32>
// TABLE: one_point_zero_two_waves 1 prune 648 -> 640 1.21 -> 1.13 142.80 -> 103.15
// TABLE-NEXT: 648 -> 640 channels: 3 -> 2 waves paid
func.func @one_point_zero_two_waves(%x: tensor<1x64x56x56xf32>) -> tensor<1x16x56x56xf32> {
  %w1 = dnn.constant dense<1.0> : tensor<648x64x3x3xf32>
  %w2 = dnn.constant dense<2.0> : tensor<16x648x1x1xf32>
  %c1 = dnn.conv2d %x, %w1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<648x64x3x3xf32>) -> tensor<1x648x56x56xf32>
  %r1 = dnn.activation relu %c1 : tensor<1x648x56x56xf32>
  %c2 = dnn.conv2d %r1, %w2 : (tensor<1x648x56x56xf32>, tensor<16x648x1x1xf32>) -> tensor<1x16x56x56xf32>
  return %c2 : tensor<1x16x56x56xf32>
}
