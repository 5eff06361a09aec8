// dnn-attach-target{accel=...}: the eyeriss preset, a full #dnn.accel spec,
// and the diagnostics that name both kinds of preset.
// RUN: dnn-opt %s --dnn-attach-target=accel=Eyeriss | FileCheck %s --check-prefix=EYERISS
// RUN: dnn-opt %s '--dnn-attach-target=accel={#dnn.accel<name = "mine", pe_rows = 4, pe_cols = 4, clock_mhz = 500, rf_bytes = 64, glb_bytes = 65536, glb_bytes_per_cycle = 32, dram_gbps = 4, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>}' | FileCheck %s --check-prefix=CUSTOM
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 --dnn-attach-target=accel=eyeriss | FileCheck %s --check-prefix=EYERISS
// RUN: not dnn-opt %s --dnn-attach-target=accel=tpu-v4 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not dnn-opt %s --dnn-attach-target=gpu=tpu-v4 2>&1 | FileCheck %s --check-prefix=UNKNOWNGPU
// RUN: not dnn-opt %s --dnn-attach-target=gpu=eyeriss 2>&1 | FileCheck %s --check-prefix=WRONGKIND
// RUN: not dnn-opt %s '--dnn-attach-target=gpu=h100 accel=eyeriss' 2>&1 | FileCheck %s --check-prefix=BOTH
// RUN: not dnn-opt %s '--dnn-attach-target=accel={#dnn.gpu<name = "x">}' 2>&1 | FileCheck %s --check-prefix=BADSPEC

// EYERISS: module attributes {dnn.target = #dnn.accel<name = "eyeriss", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0.8, multicast = 14, pj_mac = 1.0, pj_rf = 1.0, pj_noc = 2.0, pj_glb = 6.0, pj_dram = 200.0>}
// CUSTOM: dnn.target = #dnn.accel<name = "mine", pe_rows = 4, pe_cols = 4,
// UNKNOWN: error: dnn-attach-target: unknown accelerator 'tpu-v4'; accelerator presets (accel=...): eyeriss; GPU presets (gpu=...): v100-sxm2, t4,
// UNKNOWNGPU: error: dnn-attach-target: unknown GPU 'tpu-v4'; known presets: v100-sxm2, {{.*}}, h200-sxm; accelerator presets (accel=...): eyeriss
// WRONGKIND: error: dnn-attach-target: 'eyeriss' is an accelerator, not a GPU; use accel=eyeriss
// BOTH: error: dnn-attach-target: give gpu=... or accel=..., not both
// BADSPEC: error: dnn-attach-target: could not parse accelerator spec

func.func @main(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %y = dnn.activation relu %x : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
