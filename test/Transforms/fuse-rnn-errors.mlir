// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=persistent -split-input-file -verify-diagnostics
// RUN: not dnn-opt %s --dnn-fuse-rnn -split-input-file 2>&1 | FileCheck %s --check-prefix=NOTARGET
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=fastest -split-input-file 2>&1 | FileCheck %s --check-prefix=LEVEL

// NOTARGET: error: dnn-fuse-rnn: the module has no dnn.target; run dnn-attach-target{gpu=...} first
// LEVEL: error: dnn-fuse-rnn: level must be auto, unfused, hoisted or persistent, got 'fastest'

// Forcing the persistent kernel where R does not fit on the chip is an
// error at the layer: at most one CTA per SM (128 CTAs of 16 hidden units),
// each holding its units' R rows (16 x 4 x 2048 floats) and the state in
// shared memory.
func.func @big(%x: tensor<25x1x2048xf32>, %w: tensor<1x8192x2048xf32>, %r: tensor<1x8192x2048xf32>)
    -> tensor<25x1x1x2048xf32> {
  // expected-error @+1 {{dnn-fuse-rnn: level persistent is infeasible on h100-sxm: a CTA's R rows (16 units x 4 gates) and the state need 520 KiB of shared memory, more than the 227 KiB of a CTA (128 CTAs on 132 SMs)}}
  %y, %yh, %yc = dnn.lstm %x, %w, %r {hidden_size = 2048 : i64}
      : (tensor<25x1x2048xf32>, tensor<1x8192x2048xf32>, tensor<1x8192x2048xf32>)
      -> (tensor<25x1x1x2048xf32>, tensor<1x1x2048xf32>, tensor<1x1x2048xf32>)
  return %y : tensor<25x1x1x2048xf32>
}

// -----

// A 1536-unit layer in f16 fits (12 units of 4 x 1536 halves, 144 KiB, and
// the 6 KiB state per CTA).
func.func @big_f16(%x: tensor<25x1x1536xf16>, %w: tensor<1x6144x1536xf16>, %r: tensor<1x6144x1536xf16>)
    -> tensor<25x1x1x1536xf16> {
  // expected-remark @+1 {{dnn-fuse-rnn: 'lstm_0' -> persistent}}
  %y, %yh, %yc = dnn.lstm %x, %w, %r {hidden_size = 1536 : i64}
      : (tensor<25x1x1536xf16>, tensor<1x6144x1536xf16>, tensor<1x6144x1536xf16>)
      -> (tensor<25x1x1x1536xf16>, tensor<1x1x1536xf16>, tensor<1x1x1536xf16>)
  return %y : tensor<25x1x1x1536xf16>
}
