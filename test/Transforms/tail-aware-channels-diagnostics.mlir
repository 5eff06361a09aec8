// Remarks and errors of dnn-tail-aware-channels.
// RUN: dnn-opt %s --split-input-file --dnn-attach-target=gpu=h100 --dnn-tail-aware-channels=mode=prune -verify-diagnostics -o /dev/null
// RUN: not dnn-opt %s --split-input-file --dnn-attach-target=gpu=h100 --dnn-tail-aware-channels=mode=foo -o /dev/null 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not dnn-opt %s --split-input-file --dnn-attach-target=gpu=h100 --dnn-tail-aware-channels=max-prune=2 -o /dev/null 2>&1 | FileCheck %s --check-prefix=MAXPRUNE
// RUN: not dnn-opt %s --split-input-file --dnn-attach-target=gpu=h100 --dnn-tail-aware-channels=channel-multiple=0 -o /dev/null 2>&1 | FileCheck %s --check-prefix=MULTIPLE
// RUN: not dnn-opt %s --split-input-file --dnn-tail-aware-channels -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOTARGET
// RUN: not dnn-opt %s --split-input-file --dnn-attach-target=gpu=h100 --dnn-tail-aware-channels=prune-pick=best -o /dev/null 2>&1 | FileCheck %s --check-prefix=PICK

// MODE: tail-aware-channels-diagnostics.mlir:{{[0-9]+}}:{{[0-9]+}}: error: dnn-tail-aware-channels: mode must be prune, pad or auto, got 'foo'
// MAXPRUNE: tail-aware-channels-diagnostics.mlir:{{[0-9]+}}:{{[0-9]+}}: error: dnn-tail-aware-channels: max-prune must be in [0, 1), got 2
// MULTIPLE: error: dnn-tail-aware-channels: channel-multiple must be at least 1, got 0
// PICK: error: dnn-tail-aware-channels: prune-pick must be largest or fastest, got 'best'
// NOTARGET: tail-aware-channels-diagnostics.mlir:{{[0-9]+}}:{{[0-9]+}}: error: dnn-tail-aware-channels: the module has no dnn.target; run dnn-attach-target{gpu=...} first

// A group that reaches the function result is left alone, with the reason;
// so is the image input's group (a function argument).
func.func @blocked(%x: tensor<1x64x112x112xf32>) -> tensor<1x136x112x112xf32> {
  %w1 = dnn.constant dense<1.0> : tensor<136x64x3x3xf32>
  // expected-remark @below {{dnn-tail-aware-channels: channel group #0 left alone: function argument #0}}
  // expected-remark @below {{dnn-tail-aware-channels: channel group #1 left alone: function result}}
  %c1 = dnn.conv2d %x, %w1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x112x112xf32>, tensor<136x64x3x3xf32>) -> tensor<1x136x112x112xf32>
  %r1 = dnn.activation relu %c1 : tensor<1x136x112x112xf32>
  return %r1 : tensor<1x136x112x112xf32>
}

// -----

// A changed group is reported on its first producer.
func.func @pruned(%x: tensor<1x64x112x112xf32>) -> tensor<1x16x112x112xf32> {
  %w1 = dnn.constant dense<1.0> : tensor<136x64x3x3xf32>
  %w2 = dnn.constant dense<1.0> : tensor<16x136x1x1xf32>
  // expected-remark @below {{channel group #0 left alone: function argument #0}}
  // expected-remark @below {{channel group #1: prune 136 -> 128 channels: 3 -> 2 waves paid}}
  %c1 = dnn.conv2d %x, %w1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x112x112xf32>, tensor<136x64x3x3xf32>) -> tensor<1x136x112x112xf32>
  %r1 = dnn.activation relu %c1 : tensor<1x136x112x112xf32>
  // expected-remark @below {{channel group #2 left alone: function result}}
  %c2 = dnn.conv2d %r1, %w2 : (tensor<1x136x112x112xf32>, tensor<16x136x1x1xf32>) -> tensor<1x16x112x112xf32>
  return %c2 : tensor<1x16x112x112xf32>
}

// -----

// Concat pieces change through the concat's group, which follows them
// (no remark while it does not change; group #1 keeps here: at 16x16 no
// count helps). A concat result that something else also produces (here
// the add with %d) cannot follow its pieces: the pieces are blocked.
func.func @concat(%x: tensor<1x8x16x16xf32>) -> tensor<1x4x16x16xf32> {
  %wa = dnn.constant dense<1.0> : tensor<24x8x1x1xf32>
  %wb = dnn.constant dense<1.0> : tensor<40x8x1x1xf32>
  %wc = dnn.constant dense<1.0> : tensor<4x64x1x1xf32>
  // expected-remark @below {{channel group #0 left alone: function argument #0}}
  %a = dnn.conv2d %x, %wa : (tensor<1x8x16x16xf32>, tensor<24x8x1x1xf32>) -> tensor<1x24x16x16xf32>
  %b = dnn.conv2d %x, %wb : (tensor<1x8x16x16xf32>, tensor<40x8x1x1xf32>) -> tensor<1x40x16x16xf32>
  %cat = dnn.concat %a, %b {axis = 1 : i64} : (tensor<1x24x16x16xf32>, tensor<1x40x16x16xf32>) -> tensor<1x64x16x16xf32>
  // expected-remark @below {{channel group #4 left alone: function result}}
  %c = dnn.conv2d %cat, %wc : (tensor<1x64x16x16xf32>, tensor<4x64x1x1xf32>) -> tensor<1x4x16x16xf32>
  return %c : tensor<1x4x16x16xf32>
}

// -----

func.func @concat_and_producer(%x: tensor<1x8x16x16xf32>) -> tensor<1x4x16x16xf32> {
  %wa = dnn.constant dense<1.0> : tensor<24x8x1x1xf32>
  %wb = dnn.constant dense<1.0> : tensor<40x8x1x1xf32>
  %wd = dnn.constant dense<1.0> : tensor<64x8x1x1xf32>
  %wc = dnn.constant dense<1.0> : tensor<4x64x1x1xf32>
  // expected-remark @below {{channel group #0 left alone: function argument #0}}
  // expected-remark @below {{channel group #1 left alone: concat result blocked: concat result also produced by conv2d_2}}
  %a = dnn.conv2d %x, %wa : (tensor<1x8x16x16xf32>, tensor<24x8x1x1xf32>) -> tensor<1x24x16x16xf32>
  // expected-remark @below {{channel group #2 left alone: concat result blocked: concat result also produced by conv2d_2}}
  %b = dnn.conv2d %x, %wb : (tensor<1x8x16x16xf32>, tensor<40x8x1x1xf32>) -> tensor<1x40x16x16xf32>
  %cat = dnn.concat %a, %b {axis = 1 : i64} : (tensor<1x24x16x16xf32>, tensor<1x40x16x16xf32>) -> tensor<1x64x16x16xf32>
  // expected-remark @below {{channel group #3 left alone: concat result also produced by conv2d_2}}
  %d = dnn.conv2d %x, %wd : (tensor<1x8x16x16xf32>, tensor<64x8x1x1xf32>) -> tensor<1x64x16x16xf32>
  %s = dnn.add %cat, %d : tensor<1x64x16x16xf32>, tensor<1x64x16x16xf32>
  // expected-remark @below {{channel group #4 left alone: function result}}
  %c = dnn.conv2d %s, %wc : (tensor<1x64x16x16xf32>, tensor<4x64x1x1xf32>) -> tensor<1x4x16x16xf32>
  return %c : tensor<1x4x16x16xf32>
}
