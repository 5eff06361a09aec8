// dnn-predict on a #dnn.accel target: the output-stationary dataflow model of
// lib/Analysis/AccelModel.cpp (docs/performance-model.md ("Dataflow accelerators")), no dnn.mapping needed.
// RUN: dnn-opt %s -split-input-file --dnn-predict | FileCheck %s
// RUN: dnn-opt %s -split-input-file --dnn-attach-target=accel=eyeriss --dnn-predict | FileCheck %s --check-prefix=EYERISS
// RUN: not dnn-opt %s -split-input-file --dnn-assign-mapping 2>&1 | FileCheck %s --check-prefix=MAPPING
// RUN: dnn-opt %s -split-input-file '--dnn-predict=report=-' -o /dev/null | FileCheck %s --check-prefix=REPORT

// MAPPING: error: dnn-assign-mapping: the dnn.target is a #dnn.accel accelerator; dnn.mapping is GPU-only
// The report works on accelerators too: ctas = array passes, /sm = 1.
// REPORT: dnn-predict: 2 ops on toy (2x4 PEs)
// REPORT: linear_0 dnn.linear 4 6 8 - 1 4 1 4.00 0.75 0.72 0.32 0.72
// REPORT-NEXT: activation_0 dnn.activation 0 0 0 -

// Toy accelerator: 2x4 PEs, 100 MHz, 16-bit, 64-element GLB at 8 B/cycle,
// 1 GB/s DRAM, multicast 2; M = 4, N = 6, K = 8 (the unit test's layer):
// 4 array passes x 8 cycles = 32 cycles = 0.32 us; GLB 288 accesses * 2 B /
// 8 B/cycle = 72 cycles = 0.72 us (the bound); utilisation 192 / (32 * 8) =
// 0.75; energy 23920 pJ = 0.024 uJ (rounded to 3 places).
// CHECK-LABEL: func.func @toy
// CHECK: dnn.linear {{.*}}dnn.cost = #dnn.cost<latency_us = 0.72, compute_us = 0.32, memory_us = 0.72, launch_us = 0.0, waves = 4.0, tail_utilization = 0.75, energy_uj = 0.024>
// The relu: 24 + 24 elements * 2 B = 96 B; DRAM 0.096 us, GLB 96 / 8 = 12
// cycles = 0.12 us; energy 24 * 1 + 48 * 206 = 9912 pJ.
// CHECK: dnn.activation {{.*}}dnn.cost = #dnn.cost<latency_us = 0.12, compute_us = 0.03, memory_us = 0.12, launch_us = 0.0, waves = 0.0, tail_utilization = 1.0, energy_uj = 0.01>
// CHECK: dnn.reshape {{.*}}dnn.cost = #dnn.cost<latency_us = 0.0,
module attributes {dnn.target = #dnn.accel<name = "toy", pe_rows = 2, pe_cols = 4, clock_mhz = 100, element_bytes = 2, rf_bytes = 16, glb_bytes = 128, glb_bytes_per_cycle = 8, dram_gbps = 1, multicast = 2, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>} {
  func.func @toy(%x: tensor<4x8xf32>, %w: tensor<6x8xf32>) -> tensor<24xf32> {
    %y = dnn.linear %x, %w : (tensor<4x8xf32>, tensor<6x8xf32>) -> tensor<4x6xf32>
    %z = dnn.activation relu %y : tensor<4x6xf32>
    %r = dnn.reshape %z : tensor<4x6xf32> -> tensor<24xf32>
    return %r : tensor<24xf32>
  }
}

// -----

// Eyeriss (12x14 PEs, 200 MHz, 64 Ki-element GLB, 0.8 GB/s DRAM):
// M = 256, N = 512, K = 1024. Passes ceil(256/12) * ceil(512/14) = 22 * 37
// = 814, x 1024 cycles = 833536 cycles = 4167.68 us. GLB: 12 + 14 rows of
// K fit; rows of A next to B: (65536 - 14 * 1024) / 1024 = 50 -> Mg = 48,
// ceil(256 / 48) = 6 GLB blocks. DRAM reads 256*1024 + 1024*512*6 =
// 3407872, writes 131072: 7077888 B / 800 B/us = 8847.36 us (the bound).
// GLB 3407872 + 1024 * (256*37 + 512*22) + 2 * 131072 = 24903680 accesses,
// * 2 B / 64 B/cycle / 200 MHz = 3891.2 us. Utilisation 2^27 / (833536 *
// 168) = 0.9585. Energy pJ: MAC 134217728 + RF 536870912 + NoC 2 *
// 21364736 + GLB 6 * 24903680 + DRAM 200 * 3538944 = 1571028992 pJ.
// EYERISS: module attributes {dnn.target = #dnn.accel<name = "eyeriss", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0.8, multicast = 14, pj_mac = 1.0, pj_rf = 1.0, pj_noc = 2.0, pj_glb = 6.0, pj_dram = 200.0>}
// EYERISS: dnn.linear {{.*}}dnn.cost = #dnn.cost<latency_us = 8847.36, compute_us = 4167.68, memory_us = 8847.36, launch_us = 0.0, waves = 814.0, tail_utilization = 0.9585, energy_uj = 1571.029>
// The toy target here is replaced by dnn-attach-target in the EYERISS run.
module attributes {dnn.target = #dnn.accel<name = "toy", pe_rows = 2, pe_cols = 4, clock_mhz = 100, rf_bytes = 16, glb_bytes = 128, glb_bytes_per_cycle = 8, dram_gbps = 1, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>} {
  func.func @eyeriss(%x: tensor<256x1024xf16>, %w: tensor<512x1024xf16>) -> tensor<256x512xf16> {
    %y = dnn.linear %x, %w : (tensor<256x1024xf16>, tensor<512x1024xf16>) -> tensor<256x512xf16>
    return %y : tensor<256x512xf16>
  }
}
