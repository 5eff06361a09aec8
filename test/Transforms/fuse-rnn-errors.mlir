// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=persistent -split-input-file -verify-diagnostics
// RUN: not dnn-opt %s --dnn-fuse-rnn -split-input-file 2>&1 | FileCheck %s --check-prefix=NOTARGET
// RUN: not dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=fastest -split-input-file 2>&1 | FileCheck %s --check-prefix=LEVEL

// NOTARGET: error: dnn-fuse-rnn: the module has no dnn.target; run dnn-attach-target{gpu=...} first
// LEVEL: error: dnn-fuse-rnn: level must be auto, unfused, hoisted or persistent, got 'fastest'

// Forcing the persistent kernel where R does not fit on the chip is an
// error at the layer.
func.func @big(%x: tensor<25x1x2048xf32>, %w: tensor<1x8192x2048xf32>, %r: tensor<1x8192x2048xf32>)
    -> tensor<25x1x1x2048xf32> {
  // expected-error @+1 {{dnn-fuse-rnn: level persistent is infeasible on h100-sxm: R takes 67.1 MB, more than the 48.1 MB of shared memory and half the registers of 132 SMs}}
  %y, %yh, %yc = dnn.lstm %x, %w, %r {hidden_size = 2048 : i64}
      : (tensor<25x1x2048xf32>, tensor<1x8192x2048xf32>, tensor<1x8192x2048xf32>)
      -> (tensor<25x1x1x2048xf32>, tensor<1x1x2048xf32>, tensor<1x1x2048xf32>)
  return %y : tensor<25x1x1x2048xf32>
}

// -----

// The same layer in f16 (R 33.6 MB) fits.
func.func @big_f16(%x: tensor<25x1x2048xf16>, %w: tensor<1x8192x2048xf16>, %r: tensor<1x8192x2048xf16>)
    -> tensor<25x1x1x2048xf16> {
  // expected-remark @+1 {{dnn-fuse-rnn: 'lstm_0' -> persistent}}
  %y, %yh, %yc = dnn.lstm %x, %w, %r {hidden_size = 2048 : i64}
      : (tensor<25x1x2048xf16>, tensor<1x8192x2048xf16>, tensor<1x8192x2048xf16>)
      -> (tensor<25x1x1x2048xf16>, tensor<1x1x2048xf16>, tensor<1x1x2048xf16>)
  return %y : tensor<25x1x1x2048xf16>
}
