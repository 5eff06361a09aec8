// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=report=- -o %t.mlir | FileCheck %s --check-prefix=TABLE
// RUN: FileCheck %s --check-prefix=IR < %t.mlir
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=unfused | FileCheck %s --check-prefix=FORCED
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn="report=%t.json" -o /dev/null 2>/dev/null
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// dnn-predict prices each layer at its recorded level: the persistent
// LSTM is cheaper than the same LSTM forced unfused.
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=report=- -o %t.mlir > %t.table 2>/dev/null
// RUN: dnn-opt %t.mlir --dnn-assign-mapping --dnn-predict=report=- -o /dev/null > %t.predict
// RUN: cat %t.table %t.predict | FileCheck %s --check-prefix=PREDICT
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-fuse-rnn=level=unfused -o %t.unfused.mlir 2>/dev/null
// RUN: dnn-opt %t.unfused.mlir --dnn-assign-mapping --dnn-predict=report=- -o /dev/null > %t.predict-unfused
// RUN: cat %t.table %t.predict-unfused | FileCheck %s --check-prefix=PREDICT-UNFUSED

// dnn-fuse-rnn on an H100 (predicted): a 512-hidden f32 LSTM's R (4 MB)
// fits on chip, so the persistent kernel (one launch, a grid barrier per
// step) wins; a 2048-hidden f32 LSTM's R (67 MB) does not fit: a CTA per
// SM would need the R rows of 16 units (512 KiB) in its shared memory, so
// the best feasible level is hoisted (one input GEMM, one fused kernel per
// step); unfused (three kernels per step) is slowest everywhere. Every
// level starts with one kernel that sets the initial state.

// TABLE: layer {{.*}} unfused_us hoisted_us persist_us chosen
// TABLE: small {{.*}}dnn.lstm 25 1 512 1 {{.*}} persistent
// TABLE: big {{.*}}dnn.lstm 25 1 2048 1 {{.*}} infeasible hoisted
// TABLE-NEXT: persistent: a CTA's R rows (16 units x 4 gates) and the state need 520 KiB of shared memory, more than the 227 KiB of a CTA (128 CTAs on 132 SMs)
// TABLE: gru {{.*}}dnn.gru 10 2 256 2 {{.*}} persistent

// With the level, the geometry of its kernels: the input projection's GEMM
// (dnn.input_mapping) and the kernel that multiplies by R every step
// (dnn.mapping): persistent, 4 units (16 rows of R, 32 KiB, plus the 2 KiB
// state) per CTA, 128 CTAs; hoisted, one warp per unit, 8 per CTA (32 rows
// of R), 256 CTAs.
// IR-LABEL: func.func @small
// IR: dnn.lstm {{.*}}dnn.input_mapping = #dnn.mapping<{{.*}}ctas = 32,
// IR-SAME: dnn.mapping = #dnn.mapping<tile_m = 1, tile_n = 16, tile_k = 512, threads = 256, smem_per_block = 34816, ctas = 128,
// IR-SAME: dnn.rnn_fusion = "persistent"
// IR-LABEL: func.func @big
// IR: dnn.lstm {{.*}}dnn.mapping = #dnn.mapping<tile_m = 1, tile_n = 32, tile_k = 32, threads = 256, ctas = 256,
// IR-SAME: dnn.rnn_fusion = "hoisted"

// REMARK: remark: {{.*}}dnn-fuse-rnn: 'small' -> persistent (predicted us: unfused {{[0-9.]+}}, hoisted {{[0-9.]+}}, persistent {{[0-9.]+}})
// REMARK: remark: {{.*}}dnn-fuse-rnn: 'big' -> hoisted (predicted us: unfused {{[0-9.]+}}, hoisted {{[0-9.]+}}, persistent infeasible)

// FORCED-COUNT-3: dnn.rnn_fusion = "unfused"

// JSON: "name": "small",
// JSON: "chosen": "persistent",
// JSON: "level": "unfused",
// JSON-NEXT: "feasible": true,
// JSON: "launches": 76
// JSON: "level": "persistent",
// JSON: "launches": 3
// JSON: "name": "big",
// JSON: "level": "persistent",
// JSON-NEXT: "feasible": false,
// JSON-NEXT: "reason": "a CTA's R rows (16 units x 4 gates)

// PREDICT: small {{ *}}dnn.lstm {{.*}} [[U:[0-9]+\.[0-9][0-9]]] {{ *}}[[H:[0-9]+\.[0-9][0-9]]] {{ *}}[[P:[0-9]+\.[0-9][0-9]]] persistent
// PREDICT: dnn-predict:
// PREDICT-NEXT: name
// PREDICT-NEXT: lstm_0 {{.*}} [[P]] 
// PREDICT-UNFUSED: small {{ *}}dnn.lstm {{.*}} [[U:[0-9]+\.[0-9][0-9]]] {{ *}}[[H:[0-9]+\.[0-9][0-9]]] {{ *}}[[P:[0-9]+\.[0-9][0-9]]] persistent
// PREDICT-UNFUSED: dnn-predict:
// PREDICT-UNFUSED-NEXT: name
// PREDICT-UNFUSED-NEXT: lstm_0 {{.*}} [[U]] 

func.func @small(%x: tensor<25x1x512xf32>, %w: tensor<1x2048x512xf32>, %r: tensor<1x2048x512xf32>)
    -> tensor<25x1x1x512xf32> {
  %y, %yh, %yc = dnn.lstm %x, %w, %r {hidden_size = 512 : i64}
      : (tensor<25x1x512xf32>, tensor<1x2048x512xf32>, tensor<1x2048x512xf32>)
      -> (tensor<25x1x1x512xf32>, tensor<1x1x512xf32>, tensor<1x1x512xf32>) loc("small")
  return %y : tensor<25x1x1x512xf32>
}

func.func @big(%x: tensor<25x1x2048xf32>, %w: tensor<1x8192x2048xf32>, %r: tensor<1x8192x2048xf32>)
    -> tensor<25x1x1x2048xf32> {
  %y, %yh, %yc = dnn.lstm %x, %w, %r {hidden_size = 2048 : i64}
      : (tensor<25x1x2048xf32>, tensor<1x8192x2048xf32>, tensor<1x8192x2048xf32>)
      -> (tensor<25x1x1x2048xf32>, tensor<1x1x2048xf32>, tensor<1x1x2048xf32>) loc("big")
  return %y : tensor<25x1x1x2048xf32>
}

func.func @gru(%x: tensor<10x2x64xf32>, %w: tensor<2x768x64xf32>, %r: tensor<2x768x256xf32>)
    -> tensor<10x2x2x256xf32> {
  %y, %yh = dnn.gru %x, %w, %r {hidden_size = 256 : i64, direction = "bidirectional"}
      : (tensor<10x2x64xf32>, tensor<2x768x64xf32>, tensor<2x768x256xf32>)
      -> (tensor<10x2x2x256xf32>, tensor<2x2x256xf32>) loc("gru")
  return %y : tensor<10x2x2x256xf32>
}
