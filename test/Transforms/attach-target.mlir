// Presets by key, alias and in any case; a full #dnn.gpu spec; replacement of
// an existing target; and the diagnostics for bad specs.
// RUN: dnn-opt %s --dnn-attach-target=gpu=h100 | FileCheck %s --check-prefix=H100
// RUN: dnn-opt %s --dnn-attach-target=gpu=A100 | FileCheck %s --check-prefix=A100
// RUN: dnn-opt %s --dnn-attach-target=gpu=jetson-orin | FileCheck %s --check-prefix=ORIN
// RUN: dnn-opt %s '--dnn-attach-target=gpu={#dnn.gpu<name = "rtx-3090", arch = "sm_86", sms = 82, clock_mhz = 1695, max_threads_per_sm = 1536, max_blocks_per_sm = 16, smem_per_sm = 102400, max_smem_per_block = 101376, smem_reserved_per_block = 1024, l2_bytes = 6291456, dram_gbps = 936, fp32_tflops = 35.6, tc_tflops = 71>}' | FileCheck %s --check-prefix=CUSTOM
// RUN: dnn-opt %s --dnn-attach-target=gpu=v100 --dnn-attach-target=gpu=l4 | FileCheck %s --check-prefix=REPLACED
// RUN: not dnn-opt %s --dnn-attach-target=gpu=tpu-v4 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not dnn-opt %s --dnn-attach-target 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not dnn-opt %s '--dnn-attach-target=gpu={#dnn.gpu<name = "half", arch = "sm_80", sms = 108>}' 2>&1 | FileCheck %s --check-prefix=PARTIAL
// RUN: not dnn-opt %s '--dnn-attach-target=gpu={#dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = 128, ctas = 10, ctas_per_sm = 1, waves = 0.1>}' 2>&1 | FileCheck %s --check-prefix=NOTGPU

// H100: module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>}
// A100: dnn.target = #dnn.gpu<name = "a100-sxm4-80gb", arch = "sm_80", sms = 108,
// A100-SAME: dram_gbps = 2039.0, fp32_tflops = 19.5, tc_tflops = 312.0>
// ORIN: dnn.target = #dnn.gpu<name = "jetson-agx-orin-64gb", arch = "sm_87", sms = 16,
// ORIN-SAME: dram_gbps = 204.8
// CUSTOM: dnn.target = #dnn.gpu<name = "rtx-3090", arch = "sm_86", sms = 82,
// CUSTOM-SAME: dram_gbps = 936.0, fp32_tflops = 35.6, tc_tflops = 71.0>
// REPLACED: dnn.target = #dnn.gpu<name = "l4", arch = "sm_89", sms = 58,
// UNKNOWN: error: dnn-attach-target: unknown GPU 'tpu-v4'; known presets: v100-sxm2, t4, a100-sxm4-80gb, jetson-agx-orin-64gb, rtx-4090, l4, h100-sxm, h200-sxm
// EMPTY: error: dnn-attach-target: no GPU given: name a preset (v100-sxm2,
// PARTIAL: error: struct is missing required parameter: clock_mhz
// PARTIAL: error: dnn-attach-target: could not parse GPU spec
// NOTGPU: error: dnn-attach-target: expected a #dnn.gpu attribute, got #dnn.mapping<

func.func @main(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %y = dnn.activation relu %x : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
