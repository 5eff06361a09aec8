// dnn-predict{report=...}: the per-layer report as JSON (a file) or as a
// table (report=-), for the toy target and round constants of predict.mlir:
//   fp32 1e6 FLOP/us per SM; sgemm_64x64x16_t256 at efficiency 0.5 =
//   5e5 FLOP/us; DRAM 1e7 B/us; L2 1e5 B/us per SM; launch 2 us; 1 pJ/FLOP,
//   10 pJ/DRAM byte, 1 pJ/L2 byte, 100 W.
//
// RUN: echo '{"memory_efficiency": 0.5, "l2_bandwidth_ratio": 0.66, "launch_us": 2, "elementwise_efficiency": 0.5, "pj_per_flop_fp32": 1, "pj_per_flop_tensor": 0.25, "pj_per_dram_byte": 10, "pj_per_l2_byte": 1, "static_watts": 100, "configs": {"sgemm_64x64x16_t256": {"compute_efficiency": 0.5, "co_resident_cost": 0.25}}}' > %t.cal.json
// RUN: rm -f %t.json
// RUN: dnn-opt %s '--dnn-predict=calibration=%t.cal.json report=%t.json' | FileCheck %s --check-prefix=IR
// RUN: FileCheck %s --check-prefix=JSON --input-file=%t.json
// The totals are the sums over the ops (of unrounded values: within 4 x 0.0005
// of the sum of the rounded ones).
// RUN: %python -c "import json, sys; r = json.load(open(sys.argv[1])); ops = r['ops']; assert len(ops) == 4, ops; assert abs(r['total_latency_us'] - sum(o['latency_us'] for o in ops)) <= 0.002, r; assert abs(r['total_energy_uj'] - sum(o['energy_uj'] for o in ops)) <= 0.002, r" %t.json
// RUN: dnn-opt %s '--dnn-predict=calibration=%t.cal.json report=-' | FileCheck %s --check-prefix=TABLE
// The realistic flow on the H100 preset writes a report too.
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-assign-mapping '--dnn-predict=report=%t.h100.json' -o /dev/null
// RUN: FileCheck %s --check-prefix=H100 --input-file=%t.h100.json

// The IR gets its attributes as without a report.
// IR: func.func @block
// IR-SAME: dnn.cost = #dnn.cost<latency_us = 41.915,
// IR: dnn.conv2d {{.*}}dnn.cost = #dnn.cost<latency_us = 4.359,

// Keys are printed sorted. Numbers are rounded to 3 decimals, but
// llvm::json prints a double with up to 17 significant digits, so 436.9 may
// read 436.89999999999998: both forms are accepted. The conv is a GEMM m = 1 x 8 x 8 = 64,
// n = 32, k = 16 x 3 x 3 = 144; flops 2 x 64 x 32 x 144 = 589824; its one
// 64x64 CTA takes 2 x 64 x 64 x 144 / 5e5 = 2.359 us, + 2 us launch.
// JSON:      {
// JSON-NEXT:   "ops": [
// JSON-NEXT:     {
// JSON-NEXT:       "batch": 1,
// JSON-NEXT:       "compute_us": 2.359,
// JSON-NEXT:       "ctas": 1,
// JSON-NEXT:       "ctas_per_sm": 4,
// JSON-NEXT:       "energy_uj": 436.{{9|89999999999998}},
// JSON-NEXT:       "flops": 589824,
// JSON-NEXT:       "function": "block",
// JSON-NEXT:       "k": 144,
// JSON-NEXT:       "kind": "gemm",
// JSON-NEXT:       "latency_us": 4.359,
// JSON-NEXT:       "launch_us": 2,
// JSON-NEXT:       "m": 64,
// JSON-NEXT:       "memory_us": 0.{{003|0030000000000000001}},
// JSON-NEXT:       "n": 32,
// JSON-NEXT:       "name": "layer1.conv",
// JSON-NEXT:       "op": "dnn.conv2d",
// JSON-NEXT:       "split_k": 1,
// JSON-NEXT:       "tail_utilization": 0.002,
// JSON-NEXT:       "threads": 256,
// JSON-NEXT:       "tile": [
// JSON-NEXT:         64,
// JSON-NEXT:         64,
// JSON-NEXT:         16
// JSON-NEXT:       ],
// JSON-NEXT:       "waves": 0.002
// JSON-NEXT:     },
// relu: 2048 elements, 2 x 8192 B / 1e7 = 0.002 us; 2 CTAs of 256 threads
// (4 elements each), 8 per SM. Memory-bound ops have no GEMM shape (m, n,
// k 0) or tile; flops counts one per element for relu. The name comes from the fused location's NameLoc.
// JSON-NEXT:     {
// JSON-NEXT:       "batch": 1,
// JSON-NEXT:       "compute_us": 0,
// JSON-NEXT:       "ctas": 2,
// JSON-NEXT:       "ctas_per_sm": 8,
// JSON-NEXT:       "energy_uj": 200.{{33|33000000000001}},
// JSON-NEXT:       "flops": 2048,
// JSON-NEXT:       "function": "block",
// JSON-NEXT:       "k": 0,
// JSON-NEXT:       "kind": "memory",
// JSON-NEXT:       "latency_us": 2.{{002|0019999999999998}},
// JSON-NEXT:       "launch_us": 2,
// JSON-NEXT:       "m": 0,
// JSON-NEXT:       "memory_us": 0.002,
// JSON-NEXT:       "n": 0,
// JSON-NEXT:       "name": "layer1.relu",
// JSON-NEXT:       "op": "dnn.activation",
// JSON-NEXT:       "split_k": 1,
// JSON-NEXT:       "tail_utilization": 0.002,
// JSON-NEXT:       "threads": 256,
// JSON-NEXT:       "tile": [
// JSON-NEXT:         0,
// JSON-NEXT:         0,
// JSON-NEXT:         0
// JSON-NEXT:       ],
// JSON-NEXT:       "waves": 0.002
// JSON-NEXT:     },
// The unnamed linear is named after its mnemonic and ordinal; the constant
// and the flatten launch no kernel and are not in the report. m = 1, n = 10,
// k = 2048: one (padded) 64x64 tile over K = 2048, 2 x 64 x 64 x 2048 / 5e5
// = 33.554 us.
// JSON-NEXT:     {
// JSON-NEXT:       "batch": 1,
// JSON-NEXT:       "compute_us": 33.{{554|554000000000002}},
// JSON:            "latency_us": 35.{{554|554000000000002}},
// JSON:            "name": "linear_0",
// JSON-NEXT:       "op": "dnn.linear",
// JSON:          },
// The split-K matmul of the second function: 4 CTAs over K = 2048 each.
// JSON-NEXT:     {
// JSON-NEXT:       "batch": 1,
// JSON-NEXT:       "compute_us": 33.{{554|554000000000002}},
// JSON-NEXT:       "ctas": 4,
// JSON-NEXT:       "ctas_per_sm": 4,
// JSON-NEXT:       "energy_uj": 3871.{{47499+[0-9]*|475[0-9]*}},
// JSON-NEXT:       "flops": 67108864,
// JSON-NEXT:       "function": "split",
// JSON-NEXT:       "k": 8192,
// JSON-NEXT:       "kind": "gemm",
// JSON-NEXT:       "latency_us": 37.{{56799+[0-9]*|568[0-9]*}},
// JSON-NEXT:       "launch_us": 4,
// JSON-NEXT:       "m": 64,
// JSON-NEXT:       "memory_us": 0.434,
// JSON-NEXT:       "n": 64,
// JSON-NEXT:       "name": "matmul_0",
// JSON-NEXT:       "op": "dnn.matmul",
// JSON-NEXT:       "split_k": 4,
// JSON-NEXT:       "tail_utilization": 0.{{008|0080000000000000002}},
// JSON-NEXT:       "threads": 256,
// JSON-NEXT:       "tile": [
// JSON-NEXT:         64,
// JSON-NEXT:         64,
// JSON-NEXT:         16
// JSON-NEXT:       ],
// JSON-NEXT:       "waves": 0.{{008|0080000000000000002}}
// JSON-NEXT:     }
// JSON-NEXT:   ],
// JSON-NEXT:   "schema_version": 1,
// JSON-NEXT:   "target": {
// JSON-NEXT:     "arch": "sm_90",
// JSON-NEXT:     "dram_gbps": 20000,
// JSON-NEXT:     "fp32_tflops": 132,
// JSON-NEXT:     "kind": "gpu",
// JSON-NEXT:     "name": "toy",
// JSON-NEXT:     "sms": 132,
// JSON-NEXT:     "tc_tflops": 1320
// JSON-NEXT:   },
// Totals: 4.359296 + 2.0016384 + 35.554432 + 37.554432 = 79.47 us;
// 436.900 + 200.330 + 3557.434 + 3870.164 = 8064.828 uJ.
// JSON-NEXT:   "total_energy_uj": 8066.{{13899+[0-9]*|139[0-9]*}},
// JSON-NEXT:   "total_latency_us": 79.{{48299+[0-9]*|483[0-9]*}}
// JSON-NEXT: }

// TABLE:      dnn-predict: 4 ops on toy (132 SMs)
// TABLE-NEXT: name                         op                     m       n       k tile          sk   ctas /sm   waves  tail latency_us compute_us  memory_us
// TABLE-NEXT: layer1.conv                  dnn.conv2d            64      32     144 64x64x16       1      1   4    0.00  0.00       4.36       2.36       0.00
// TABLE-NEXT: layer1.relu                  dnn.activation         0       0       0 -              1      2   8    0.00  0.00       2.00       0.00       0.00
// TABLE-NEXT: linear_0                     dnn.linear             1      10    2048 64x64x16       1      1   4    0.00  0.00      35.55      33.55       0.01
// TABLE-NEXT: matmul_0                     dnn.matmul            64      64    8192 64x64x16       4      4   4    0.01  0.01      37.57      33.55       0.43
// TABLE-NEXT: total latency 79.48 us, energy 8066.14 uJ
// TABLE-NEXT: module attributes {dnn.target = #dnn.gpu<name = "toy"

// H100: "ops": [
// H100: "function": "block",
// H100: "kind": "gemm",
// H100: "name": "layer1.conv",
// H100: "name": "layer1.relu",
// H100: "name": "linear_0",
// H100: "name": "matmul_0",
// H100: "name": "h100-sxm",
// H100-NEXT: "sms": 132,

#m1 = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, regs_per_thread = 64, smem_per_block = 8192, ctas = 1, ctas_per_sm = 4, waves = 0.0019>
module attributes {dnn.target = #dnn.gpu<name = "toy", arch = "sm_90", sms = 132, clock_mhz = 1000, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 20000.0, fp32_tflops = 132.0, tc_tflops = 1320.0>} {
  func.func @block(%x: tensor<1x16x8x8xf32>, %wl: tensor<10x2048xf32>) -> tensor<1x10xf32> {
    %w = dnn.constant dense<0.5> : tensor<32x16x3x3xf32> loc("layer1.conv.weight")
    %c = dnn.conv2d %x, %w {dnn.mapping = #m1, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xf32>, tensor<32x16x3x3xf32>) -> tensor<1x32x8x8xf32> loc("layer1.conv")
    %r = dnn.activation relu %c : tensor<1x32x8x8xf32> loc(fused["model.onnx":3:4, "layer1.relu"])
    %f = dnn.flatten %r : tensor<1x32x8x8xf32> -> tensor<1x2048xf32>
    %l = dnn.linear %f, %wl {dnn.mapping = #m1} : (tensor<1x2048xf32>, tensor<10x2048xf32>) -> tensor<1x10xf32>
    return %l : tensor<1x10xf32>
  }
  func.func @split(%a: tensor<64x8192xf32>, %b: tensor<8192x64xf32>) -> tensor<64x64xf32> {
    %c = dnn.matmul %a, %b {dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 256, split_k = 4, regs_per_thread = 64, smem_per_block = 8192, ctas = 4, ctas_per_sm = 4, waves = 0.0076>} : (tensor<64x8192xf32>, tensor<8192x64xf32>) -> tensor<64x64xf32>
    return %c : tensor<64x64xf32>
  }
}
