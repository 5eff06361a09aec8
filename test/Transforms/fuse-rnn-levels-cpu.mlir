// The fusion levels on the CPU path: dnn.rnn_fusion = "hoisted" (and
// "persistent", whose CPU form is the same) computes x W^T + Wb of every
// step as one GEMM before the time loop, "unfused" one per step inside it;
// both give bit-identical outputs (the same reductions in the same order).
//
// Structure (one direction of a vanilla RNN):
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=hoisted 2>/dev/null | dnn-opt --dnn-lower-to-linalg | FileCheck %s --check-prefix=HOISTED
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=unfused 2>/dev/null | dnn-opt --dnn-lower-to-linalg | FileCheck %s --check-prefix=UNFUSED
// HOISTED-LABEL: func.func @rnn
// HOISTED: linalg.generic {{.*}}"reduction"{{.*}}outs(%{{.*}} : tensor<18x4xf32>)
// HOISTED: scf.for
// HOISTED: linalg.generic {{.*}}"reduction"{{.*}}outs(%{{.*}} : tensor<3x4xf32>)
// HOISTED-NOT: "reduction"
// HOISTED: scf.yield
// UNFUSED-LABEL: func.func @rnn
// UNFUSED-NOT: "reduction"
// UNFUSED: scf.for
// UNFUSED-COUNT-2: linalg.generic {{.*}}"reduction"{{.*}}outs(%{{.*}} : tensor<3x4xf32>)
// UNFUSED: scf.yield
//
// Numerics: every level of every cell (LSTM bidirectional with peepholes,
// GRU in both reset modes, RNN) equals the unfused outputs exactly.
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=unfused -o %t.unfused.mlir 2>/dev/null
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=hoisted -o %t.hoisted.mlir 2>/dev/null
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=persistent -o %t.persistent.mlir 2>/dev/null
// RUN: dnn-run %t.unfused.mlir --entry=lstm --seed=4 --output-dir=%t.lstm
// RUN: dnn-run %t.hoisted.mlir --entry=lstm --seed=4 --compare=%t.lstm/out0.npy --compare=%t.lstm/out1.npy --compare=%t.lstm/out2.npy --rtol=0 --atol=0 | FileCheck %s --check-prefix=SAME3
// RUN: dnn-run %t.persistent.mlir --entry=lstm --seed=4 --compare=%t.lstm/out0.npy --compare=%t.lstm/out1.npy --compare=%t.lstm/out2.npy --rtol=0 --atol=0 | FileCheck %s --check-prefix=SAME3
// RUN: dnn-run %t.unfused.mlir --entry=gru --seed=4 --output-dir=%t.gru
// RUN: dnn-run %t.hoisted.mlir --entry=gru --seed=4 --compare=%t.gru/out0.npy --compare=%t.gru/out1.npy --compare=%t.gru/out2.npy --compare=%t.gru/out3.npy --rtol=0 --atol=0 | FileCheck %s --check-prefix=SAME4
// RUN: dnn-run %t.persistent.mlir --entry=gru --seed=4 --compare=%t.gru/out0.npy --compare=%t.gru/out1.npy --compare=%t.gru/out2.npy --compare=%t.gru/out3.npy --rtol=0 --atol=0 | FileCheck %s --check-prefix=SAME4
// RUN: dnn-run %t.unfused.mlir --entry=rnn --seed=4 --output-dir=%t.rnn
// RUN: dnn-run %t.hoisted.mlir --entry=rnn --seed=4 --compare=%t.rnn/out0.npy --rtol=0 --atol=0 | FileCheck %s --check-prefix=SAME1
// The comparison can fail: another seed's inputs do not match.
// RUN: not dnn-run %t.hoisted.mlir --entry=rnn --seed=5 --compare=%t.rnn/out0.npy --rtol=0 --atol=0
// SAME1: out0: match
// SAME3: out0: match
// SAME3: out1: match
// SAME3: out2: match
// SAME4: out0: match
// SAME4: out1: match
// SAME4: out2: match
// SAME4: out3: match

func.func @rnn(%x: tensor<6x3x5xf32>, %w: tensor<1x4x5xf32>, %r: tensor<1x4x4xf32>) -> tensor<6x1x3x4xf32> {
  %y, %yh = dnn.rnn %x, %w, %r {hidden_size = 4 : i64}
      : (tensor<6x3x5xf32>, tensor<1x4x5xf32>, tensor<1x4x4xf32>) -> (tensor<6x1x3x4xf32>, tensor<1x3x4xf32>)
  return %y : tensor<6x1x3x4xf32>
}

func.func @lstm(%x: tensor<6x3x5xf32>, %w: tensor<2x16x5xf32>, %r: tensor<2x16x4xf32>, %b: tensor<2x32xf32>, %p: tensor<2x12xf32>)
    -> (tensor<6x2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %y, %yh, %yc = dnn.lstm %x, %w, %r bias %b peephole %p {hidden_size = 4 : i64, direction = "bidirectional"}
      : (tensor<6x3x5xf32>, tensor<2x16x5xf32>, tensor<2x16x4xf32>, tensor<2x32xf32>, tensor<2x12xf32>)
      -> (tensor<6x2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>)
  return %y, %yh, %yc : tensor<6x2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

func.func @gru(%x: tensor<6x3x5xf32>, %w: tensor<1x12x5xf32>, %r: tensor<1x12x4xf32>, %b: tensor<1x24xf32>)
    -> (tensor<6x1x3x4xf32>, tensor<1x3x4xf32>, tensor<6x1x3x4xf32>, tensor<1x3x4xf32>) {
  %y, %yh = dnn.gru %x, %w, %r bias %b {hidden_size = 4 : i64}
      : (tensor<6x3x5xf32>, tensor<1x12x5xf32>, tensor<1x12x4xf32>, tensor<1x24xf32>) -> (tensor<6x1x3x4xf32>, tensor<1x3x4xf32>)
  %y2, %yh2 = dnn.gru %x, %w, %r bias %b {hidden_size = 4 : i64, linear_before_reset = true}
      : (tensor<6x3x5xf32>, tensor<1x12x5xf32>, tensor<1x12x4xf32>, tensor<1x24xf32>) -> (tensor<6x1x3x4xf32>, tensor<1x3x4xf32>)
  return %y, %yh, %y2, %yh2 : tensor<6x1x3x4xf32>, tensor<1x3x4xf32>, tensor<6x1x3x4xf32>, tensor<1x3x4xf32>
}
