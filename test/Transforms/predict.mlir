// dnn-predict: every dnn op gets a dnn.cost, views and constants a zero one,
// every function the totals; GEMM-like ops need their dnn.mapping.
//
// Exact values: a "toy" target with round throughputs and a calibration file
// with round constants (so nothing here depends on the calibrated defaults):
//   fp32 132 TFLOP/s on 132 SMs        = 1e6 FLOP/us per SM
//   sgemm_64x64x16_t256 at efficiency 0.5 = 5e5 FLOP/us per SM,
//                       co-resident cost 0.25
//   DRAM 20000 GB/s x 0.5              = 1e7 B/us (GEMMs and element-wise)
//   L2   2e7 B/us x 0.66 / 132 SMs     = 1e5 B/us per SM
//   launch 2 us; 1 pJ/FLOP, 10 pJ per DRAM byte, 1 pJ per L2 byte, 100 W.
// Attributes round times and energy to 3 decimals, waves and tails to 4.
//
// RUN: echo '{"memory_efficiency": 0.5, "l2_bandwidth_ratio": 0.66, "launch_us": 2, "elementwise_efficiency": 0.5, "pj_per_flop_fp32": 1, "pj_per_flop_tensor": 0.25, "pj_per_dram_byte": 10, "pj_per_l2_byte": 1, "static_watts": 100, "configs": {"sgemm_64x64x16_t256": {"compute_efficiency": 0.5, "co_resident_cost": 0.25}}}' > %t.json
// RUN: dnn-opt %s -split-input-file -verify-diagnostics --dnn-predict=calibration=%t.json | FileCheck %s
// The attributes it writes pass the verifiers when read back.
// RUN: dnn-opt %s -split-input-file -verify-diagnostics --dnn-predict=calibration=%t.json | dnn-opt -split-input-file | FileCheck %s
// Errors in the options.
// RUN: not dnn-opt %s -split-input-file --dnn-predict=calibration=%t.missing.json 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: echo '{"static_watts": -90}' > %t.negative.json
// RUN: not dnn-opt %s -split-input-file --dnn-predict=calibration=%t.negative.json 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not dnn-opt %s -split-input-file '--dnn-predict=report=%t.nodir/report.json' 2>&1 | FileCheck %s --check-prefix=NOREPORT

// NOFILE: error: dnn-predict: cannot read calibration file '{{.*}}.missing.json'
// NEGATIVE: error: dnn-predict: calibration file '{{.*}}.negative.json': 'static_watts' must be a non-negative number
// NOREPORT: error: dnn-predict: cannot write report '{{.*}}.nodir/report.json'

#m1 = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, regs_per_thread = 64, smem_per_block = 8192, ctas = 1, ctas_per_sm = 4, waves = 0.0019>
module attributes {dnn.target = #dnn.gpu<name = "toy", arch = "sm_90", sms = 132, clock_mhz = 1000, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 20000.0, fp32_tflops = 132.0, tc_tflops = 1320.0>} {

// One 64x64 tile with K = 8192: 1 CTA of 528 slots (4 per SM on these
// limits), 1 / 528 = 0.0019 waves.
//   compute: 2 x 64 x 64 x 8192 = 67108864 FLOP / 5e5 = 134.217728 us
//            (its tiles from L2: 128 x 8192 x 4 B / 1e5 = 41.9 us, less)
//   memory:  (64x8192 + 8192x64 + 64x64) x 4 = 4210688 B / 1e7 = 0.421 us
//   latency: 134.217728 + 2 = 136.218 us
//   energy:  67108864 pJ + 4210688 x 10 pJ + 4194304 x 1 pJ = 113.41 uJ,
//            + 100 W x 136.217728 us = 13735.183 uJ
// The function's cost is the op's, but for waves: 1 paid wave.
// CHECK-LABEL: func.func @compute_bound
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 136.218, compute_us = 134.218, memory_us = 0.421, launch_us = 2.0, waves = 1.0, tail_utilization = 0.0019, energy_uj = 13735.183>
// CHECK: dnn.matmul
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 136.218, compute_us = 134.218, memory_us = 0.421, launch_us = 2.0, waves = 0.0019, tail_utilization = 0.0019, energy_uj = 13735.183>
// CHECK-SAME: dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, regs_per_thread = 64, smem_per_block = 8192, ctas = 1, ctas_per_sm = 4, waves = 0.0019>
func.func @compute_bound(%a: tensor<64x8192xf32>, %b: tensor<8192x64xf32>) -> tensor<64x64xf32> {
  %c = dnn.matmul %a, %b {dnn.mapping = #m1} : (tensor<64x8192xf32>, tensor<8192x64xf32>) -> tensor<64x64xf32>
  return %c : tensor<64x64xf32>
}

// The same split 4 ways: 4 CTAs, each alone on an SM with K = 2048:
//   compute: 134.217728 / 4 = 33.554432 us
//   memory:  4210688 + 2 x 4 x 64 x 64 x 4 (FP32 partials) = 4341760 B
//            / 1e7 = 0.434 us, of which the reduction's 131072 B
//            (0.0131072 us) runs after the GEMM
//   launch:  2 x 2 us (GEMM + reduction)
//   latency: max(33.554432, 0.4210688) + 0.0131072 + 4 = 37.568 us
//   energy:  67.108864 + 43.4176 + 4.194304 (4 x 128 x 2048 x 4 B) uJ
//            + 100 W x 37.5675392 us = 3871.475 uJ
// CHECK-LABEL: func.func @split_k
// CHECK: dnn.matmul
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 37.568, compute_us = 33.554, memory_us = 0.434, launch_us = 4.0, waves = 0.0076, tail_utilization = 0.0076, energy_uj = 3871.475>
// CHECK-SAME: split_k = 4
func.func @split_k(%a: tensor<64x8192xf32>, %b: tensor<8192x64xf32>) -> tensor<64x64xf32> {
  %c = dnn.matmul %a, %b {dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, split_k = 4, regs_per_thread = 64, smem_per_block = 8192, ctas = 4, ctas_per_sm = 4, waves = 0.0076>} : (tensor<64x8192xf32>, tensor<8192x64xf32>) -> tensor<64x64xf32>
  return %c : tensor<64x64xf32>
}

// Exactly one wave: 33792 / 64 = 528 row tiles x 1 = 528 CTAs = 132 x 4.
// A lone CTA (K = 1024) takes 2 x 64 x 64 x 1024 / 5e5 = 16.777216 us; the
// busiest SM runs ceil(528 / 132) = 4 at once: 16.777216 x (1 + 3 x 0.25) =
// 29.360128 us. Memory (33792x1024 + 64x1024 + 33792x64) x 4 = 147324928 B
// / 1e7 = 14.732 us. Latency 31.360 us.
// CHECK-LABEL: func.func @one_wave
// CHECK: dnn.linear
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 31.36, compute_us = 29.36, memory_us = 14.732, launch_us = 2.0, waves = 1.0, tail_utilization = 1.0, energy_uj = 9315.271>
func.func @one_wave(%x: tensor<33792x1024xf32>, %w: tensor<64x1024xf32>) -> tensor<33792x64xf32> {
  %y = dnn.linear %x, %w {dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, regs_per_thread = 64, smem_per_block = 8192, ctas = 528, ctas_per_sm = 4, waves = 1.0>} : (tensor<33792x1024xf32>, tensor<64x1024xf32>) -> tensor<33792x64xf32>
  return %y : tensor<33792x64xf32>
}

// One CTA more: 529 = 1.0019 waves, 1 of 528 slots busy in the last one.
// The busiest SM now runs 5 CTAs: a round of 4, then one alone:
// 29.360128 + 16.777216 = 46.137344 us.
// CHECK-LABEL: func.func @one_wave_plus_one
// CHECK: dnn.linear
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 48.137, compute_us = 46.137, memory_us = 14.733, launch_us = 2.0, waves = 1.0019, tail_utilization = 0.0019, energy_uj = 10993.692>
func.func @one_wave_plus_one(%x: tensor<33793x1024xf32>, %w: tensor<64x1024xf32>) -> tensor<33793x64xf32> {
  %y = dnn.linear %x, %w {dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, regs_per_thread = 64, smem_per_block = 8192, ctas = 529, ctas_per_sm = 4, waves = 1.0019>} : (tensor<33793x1024xf32>, tensor<64x1024xf32>) -> tensor<33793x64xf32>
  return %y : tensor<33793x64xf32>
}

// Totals. relu on 1x64x56x56 = 200704 elements: 2 x 200704 x 4 = 1605632 B
// / 1e7 = 0.161 us, 200704 FLOP / (132e6 x 0.5) = 0.003 us, latency 2.161 us;
// ceil(200704 / 1024) = 196 CTAs of 256 threads, 8 per SM: 196 / 1056 =
// 0.1856 waves. Energy (200704 + 16056320) pJ + 100 W x 2.1605632 us =
// 232.313 uJ. The constant and the reshape launch nothing: zero cost.
// Function: latency 136.217728 + 2.1605632 = 138.378 us; compute 134.221;
// memory 0.421 + 0.161 = 0.582; launch 4; waves 1 + 1 paid; tail weighted
// by latency (0.0019 x 136.218 + 0.1856 x 2.161) / 138.378 = 0.0048;
// energy 13735.183 + 232.313 = 13967.496.
// CHECK-LABEL: func.func @totals
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 138.378, compute_us = 134.221, memory_us = 0.582, launch_us = 4.0, waves = 2.0, tail_utilization = 0.0048, energy_uj = 13967.496>
// CHECK: dnn.constant {dnn.cost = #dnn.cost<latency_us = 0.0, compute_us = 0.0, memory_us = 0.0, launch_us = 0.0, waves = 0.0, tail_utilization = 1.0, energy_uj = 0.0>}
// CHECK: dnn.matmul
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 136.218,
// CHECK: dnn.reshape
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 0.0, compute_us = 0.0, memory_us = 0.0, launch_us = 0.0, waves = 0.0, tail_utilization = 1.0, energy_uj = 0.0>
// CHECK: dnn.activation relu
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 2.161, compute_us = 0.003, memory_us = 0.161, launch_us = 2.0, waves = 0.1856, tail_utilization = 0.1856, energy_uj = 232.313>
func.func @totals(%a: tensor<64x8192xf32>, %x: tensor<1x64x56x56xf32>) -> (tensor<64x64xf32>, tensor<1x64x56x56xf32>) {
  %b = dnn.constant dense<1.0> : tensor<8192x64xf32>
  %c = dnn.matmul %a, %b {dnn.mapping = #m1} : (tensor<64x8192xf32>, tensor<8192x64xf32>) -> tensor<64x64xf32>
  %d = dnn.reshape %c : tensor<64x64xf32> -> tensor<64x64xf32>
  %y = dnn.activation relu %x : tensor<1x64x56x56xf32>
  return %d, %y : tensor<64x64xf32>, tensor<1x64x56x56xf32>
}

// A function without kernels costs nothing, with a full tail.
// CHECK-LABEL: func.func @views_only
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 0.0, compute_us = 0.0, memory_us = 0.0, launch_us = 0.0, waves = 0.0, tail_utilization = 1.0, energy_uj = 0.0>
// CHECK: dnn.flatten
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 0.0,
func.func @views_only(%x: tensor<1x64x1x1xf32>) -> tensor<1x64xf32> {
  %y = dnn.flatten %x : tensor<1x64x1x1xf32> -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// Every kind of dnn op gets a cost. Memory-bound ops move their operands and
// result once (bytes / 1e7 B/us) and do a few FLOPs per output element
// (relu 1, sigmoid 8, batch_norm 2, pools 2x2 = 4, softmax 5, others 1; only
// the energy shows them here). A conv is a GEMM: m = 1 x 8 x 8 = 64,
// n = 32, k = 16 x 3 x 3 = 144 -> one CTA over K = 144:
// 2 x 64 x 64 x 144 / 5e5 = 2.359 us.
// CHECK-LABEL: func.func @every_op
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 27.681, compute_us = 3.67, memory_us = 0.014, launch_us = 24.0, waves = 12.0, tail_utilization = 0.0016, energy_uj = 2770.226>
// CHECK: dnn.constant {dnn.cost = #dnn.cost<latency_us = 0.0,
// CHECK: dnn.conv2d
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 4.359, compute_us = 2.359, memory_us = 0.003, launch_us = 2.0, waves = 0.0019, tail_utilization = 0.0019, energy_uj = 436.9>
// 16896 B (x, 4 x 32 parameters, result), 2 x 2048 FLOP.
// CHECK: dnn.batch_norm
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 2.002, compute_us = 0.0, memory_us = 0.002, launch_us = 2.0, waves = 0.0019, tail_utilization = 0.0019, energy_uj = 200.342>
// CHECK: dnn.activation relu
// CHECK-SAME: energy_uj = 200.33>
// 8 x 2048 = 16384 FLOP more energy than relu's 2048: 0.014 uJ.
// CHECK: dnn.activation sigmoid
// CHECK-SAME: energy_uj = 200.344>
// CHECK: dnn.add
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 2.002, compute_us = 0.0, memory_us = 0.002, launch_us = 2.0, waves = 0.0019, tail_utilization = 0.0019, energy_uj = 200.494>
// 512 output elements: 1 CTA of the 1056 slots, 0.0009 waves.
// CHECK: dnn.max_pool2d
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 2.001, compute_us = 0.0, memory_us = 0.001, launch_us = 2.0, waves = 0.0009, tail_utilization = 0.0009, energy_uj = 200.207>
// CHECK: dnn.avg_pool2d
// CHECK-SAME: energy_uj = 200.207>
// CHECK: dnn.concat
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 2.001, compute_us = 0.0, memory_us = 0.001, launch_us = 2.0, waves = 0.0009, tail_utilization = 0.0009, energy_uj = 200.165>
// CHECK: dnn.global_avg_pool
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 2.0, compute_us = 0.0, memory_us = 0.0, launch_us = 2.0, waves = 0.0009, tail_utilization = 0.0009, energy_uj = 200.088>
// CHECK: dnn.flatten
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 0.0,
// m = 1, n = 10, k = 64: a whole 64x64 tile over K = 64:
// 2 x 64 x 64 x 64 / 5e5 = 1.049 us.
// CHECK: dnn.linear
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 3.049, compute_us = 1.049, memory_us = 0.0, launch_us = 2.0, waves = 0.0019, tail_utilization = 0.0019, energy_uj = 304.92>
// CHECK: dnn.softmax
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 2.0, compute_us = 0.0, memory_us = 0.0, launch_us = 2.0, waves = 0.0009, tail_utilization = 0.0009, energy_uj = 200.002>
// CHECK: dnn.reshape
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 0.0,
// K = 1 still steps once over tile_k = 16: 2 x 64 x 64 x 16 / 5e5 = 0.262 us.
// CHECK: dnn.matmul
// CHECK-SAME: dnn.cost = #dnn.cost<latency_us = 2.262, compute_us = 0.262, memory_us = 0.0, launch_us = 2.0, waves = 0.0019, tail_utilization = 0.0019, energy_uj = 226.228>
func.func @every_op(%x: tensor<1x16x8x8xf32>, %g: tensor<32xf32>, %bt: tensor<32xf32>,
                    %mu: tensor<32xf32>, %var: tensor<32xf32>, %wl: tensor<10x64xf32>,
                    %row: tensor<1x10xf32>) -> tensor<10x10xf32> {
  %w = dnn.constant dense<0.5> : tensor<32x16x3x3xf32>
  %c = dnn.conv2d %x, %w {dnn.mapping = #m1, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xf32>, tensor<32x16x3x3xf32>) -> tensor<1x32x8x8xf32>
  %bn = dnn.batch_norm %c, %g, %bt, %mu, %var : tensor<1x32x8x8xf32>, tensor<32xf32>
  %r = dnn.activation relu %bn : tensor<1x32x8x8xf32>
  %s = dnn.activation sigmoid %r : tensor<1x32x8x8xf32>
  %a = dnn.add %r, %s : tensor<1x32x8x8xf32>, tensor<1x32x8x8xf32>
  %p = dnn.max_pool2d %a {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x32x8x8xf32> -> tensor<1x32x4x4xf32>
  %q = dnn.avg_pool2d %a {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x32x8x8xf32> -> tensor<1x32x4x4xf32>
  %cat = dnn.concat %p, %q {axis = 1 : i64} : (tensor<1x32x4x4xf32>, tensor<1x32x4x4xf32>) -> tensor<1x64x4x4xf32>
  %gap = dnn.global_avg_pool %cat : tensor<1x64x4x4xf32> -> tensor<1x64x1x1xf32>
  %f = dnn.flatten %gap : tensor<1x64x1x1xf32> -> tensor<1x64xf32>
  %l = dnn.linear %f, %wl {dnn.mapping = #m1} : (tensor<1x64xf32>, tensor<10x64xf32>) -> tensor<1x10xf32>
  %sm = dnn.softmax %l {axis = 1 : i64} : tensor<1x10xf32>
  %col = dnn.reshape %sm : tensor<1x10xf32> -> tensor<10x1xf32>
  %mm = dnn.matmul %col, %row {dnn.mapping = #m1} : (tensor<10x1xf32>, tensor<1x10xf32>) -> tensor<10x10xf32>
  return %mm : tensor<10x10xf32>
}

}

// -----

// A GEMM-like op without a mapping: run dnn-assign-mapping first.
module attributes {dnn.target = #dnn.gpu<name = "toy", arch = "sm_90", sms = 132, clock_mhz = 1000, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, l2_bytes = 52428800, dram_gbps = 20000.0, fp32_tflops = 132.0, tc_tflops = 1320.0>} {
  func.func @no_mapping(%x: tensor<8x512xf32>, %w: tensor<1000x512xf32>) -> tensor<8x1000xf32> {
    // expected-error @+1 {{dnn-predict: no dnn.mapping on this op; run dnn-assign-mapping first}}
    %y = dnn.linear %x, %w : (tensor<8x512xf32>, tensor<1000x512xf32>) -> tensor<8x1000xf32>
    return %y : tensor<8x1000xf32>
  }
}

// -----

// No target.
// expected-error @+1 {{dnn-predict: the module has no dnn.target; run dnn-attach-target{gpu=...} first}}
module {
  func.func @no_target(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
    %y = dnn.activation relu %x : tensor<1x8xf32>
    return %y : tensor<1x8xf32>
  }
}
