// RUN: dnn-opt %s -split-input-file | dnn-opt -split-input-file | FileCheck %s
// RUN: dnn-opt %s -split-input-file --mlir-print-op-generic | dnn-opt -split-input-file | FileCheck %s

// Round trip of #dnn.gpu (as the module's `dnn.target`) and #dnn.mapping (as
// an op's `dnn.mapping`), and the printing of their f64 parameters.

// Every parameter given, the defaulted ones at their defaults: those are
// elided when printed, and `dram_gbps = 3350` prints as a float.
// CHECK-LABEL: module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
// CHECK-NEXT: func.func @gpu_all_parameters
module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90",
    sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048,
    max_blocks_per_sm = 32, max_threads_per_block = 1024, regs_per_sm = 65536,
    max_regs_per_thread = 255, smem_per_sm = 233472,
    max_smem_per_block = 232448, smem_reserved_per_block = 1024,
    warp_size = 32, l2_bytes = 52428800, dram_gbps = 3350, fp32_tflops = 66.9,
    tc_tflops = 989.4>} {
  func.func @gpu_all_parameters() {
    return
  }
}

// -----

// The defaulted parameters omitted, and the rest in another order: printed
// in declaration order, the same as above.
// CHECK-LABEL: module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
// CHECK-NEXT: func.func @gpu_reordered
module attributes {dnn.target = #dnn.gpu<tc_tflops = 989.4, fp32_tflops = 66.9,
    dram_gbps = 3350.0, l2_bytes = 52428800, smem_reserved_per_block = 1024,
    max_smem_per_block = 232448, smem_per_sm = 233472, max_blocks_per_sm = 32,
    max_threads_per_sm = 2048, clock_mhz = 1980, sms = 132, arch = "sm_90",
    name = "h100-sxm">} {
  func.func @gpu_reordered() {
    return
  }
}

// -----

// Defaulted parameters away from their defaults are printed, in place.
// 204.8 prints as 204.8, not as 204.80000000000001.
// CHECK-LABEL: module attributes {dnn.target = #dnn.gpu<name = "custom", arch = "sm_87a", sms = 16, clock_mhz = 1300, max_threads_per_sm = 1536, max_blocks_per_sm = 16, max_threads_per_block = 512, regs_per_sm = 32768, max_regs_per_thread = 128, smem_per_sm = 167936, max_smem_per_block = 166912, warp_size = 64, l2_bytes = 4194304, dram_gbps = 204.8, fp32_tflops = 5.3, tc_tflops = 42.6>} {
// CHECK-NEXT: func.func @gpu_non_default_parameters
module attributes {dnn.target = #dnn.gpu<name = "custom", arch = "sm_87a",
    sms = 16, clock_mhz = 1300, max_threads_per_sm = 1536,
    max_blocks_per_sm = 16, max_threads_per_block = 512, regs_per_sm = 32768,
    max_regs_per_thread = 128, smem_per_sm = 167936,
    max_smem_per_block = 166912, smem_reserved_per_block = 0, warp_size = 64,
    l2_bytes = 4194304, dram_gbps = 204.8, fp32_tflops = 5.3,
    tc_tflops = 42.6>} {
  func.func @gpu_non_default_parameters() {
    return
  }
}

// -----

// Float printing: the shortest plain decimal that reads back to the same
// double; the exponent form below 1e-4 and from 1e15 on.
// CHECK-LABEL: module attributes {dnn.target = #dnn.gpu<name = "floats", arch = "sm_80", sms = 1, clock_mhz = 1, max_threads_per_sm = 1024, max_blocks_per_sm = 1, smem_per_sm = 1, max_smem_per_block = 1, l2_bytes = 1, dram_gbps = 0.00012345678901234567, fp32_tflops = 1.0e-05, tc_tflops = 1.0e+15>} {
// CHECK-NEXT: func.func @gpu_float_printing
module attributes {dnn.target = #dnn.gpu<name = "floats", arch = "sm_80",
    sms = 1, clock_mhz = 1, max_threads_per_sm = 1024, max_blocks_per_sm = 1,
    smem_per_sm = 1, max_smem_per_block = 1, l2_bytes = 1,
    dram_gbps = 0.00012345678901234567, fp32_tflops = 0.00001,
    tc_tflops = 1000000000000000.0>} {
  func.func @gpu_float_printing() {
    return
  }
}

// -----

// A mapping consistent with the target: 264 CTAs, 1 per SM, on 132 SMs make
// 2.0 waves; 256 threads x 128 registers and 32 KiB of shared memory fit.
// CHECK-LABEL: module attributes {dnn.target = #dnn.gpu<name = "h100-sxm"
// CHECK: func.func @mapping_on_linear
// CHECK: dnn.linear %{{.*}}, %{{.*}} {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>}
// CHECK-SAME: : (tensor<256x4096xf32>, tensor<16896x4096xf32>) -> tensor<256x16896xf32>
module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90",
    sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048,
    max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448,
    smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0,
    fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_on_linear(%x: tensor<256x4096xf32>, %w: tensor<16896x4096xf32>)
      -> tensor<256x16896xf32> {
    %y = dnn.linear %x, %w {dnn.mapping = #dnn.mapping<tile_m = 128,
        tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128,
        smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2>}
        : (tensor<256x4096xf32>, tensor<16896x4096xf32>) -> tensor<256x16896xf32>
    return %y : tensor<256x16896xf32>
  }
}

// -----

// Defaulted mapping parameters (split_k = 1, unknown registers and shared
// memory) are elided; a split-K mapping prints split_k. 396 CTAs at 2 per SM
// on 132 SMs are 1.5 waves; 1.5 is not rounded. The mapping is checked
// against the target of the nearest enclosing module that has one.
// CHECK-LABEL: module attributes {dnn.target = #dnn.gpu<name = "h100-sxm"
// CHECK: func.func @mapping_defaults
// CHECK: dnn.conv2d %{{.*}}, %{{.*}} {dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 32, threads = 128, ctas = 264, ctas_per_sm = 2, waves = 1.0>, padding = array<i64: 1, 1, 1, 1>}
// CHECK: dnn.matmul %{{.*}}, %{{.*}} {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 64, tile_k = 64, threads = 256, split_k = 3, ctas = 396, ctas_per_sm = 2, waves = 1.5>}
// CHECK: module {
// CHECK: func.func @nested
// CHECK: dnn.matmul %{{.*}}, %{{.*}} {dnn.mapping = #dnn.mapping<tile_m = 16, tile_n = 16, tile_k = 16, threads = 32, ctas = 132, ctas_per_sm = 1, waves = 1.0>}
module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90",
    sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048,
    max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448,
    smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0,
    fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_defaults(%x: tensor<1x64x56x56xf32>, %w: tensor<64x64x3x3xf32>,
                              %a: tensor<512x1024xf32>, %b: tensor<1024x768xf32>)
      -> (tensor<1x64x56x56xf32>, tensor<512x768xf32>) {
    %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>,
        dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 32,
            threads = 128, split_k = 1, regs_per_thread = 0, smem_per_block = 0,
            ctas = 264, ctas_per_sm = 2, waves = 1.0>}
        : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
    %c = dnn.matmul %a, %b {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 64,
        tile_k = 64, threads = 256, split_k = 3, ctas = 396, ctas_per_sm = 2,
        waves = 1.5>}
        : (tensor<512x1024xf32>, tensor<1024x768xf32>) -> tensor<512x768xf32>
    return %y, %c : tensor<1x64x56x56xf32>, tensor<512x768xf32>
  }
  module {
    func.func @nested(%a: tensor<16x16xf32>, %b: tensor<16x16xf32>) -> tensor<16x16xf32> {
      %c = dnn.matmul %a, %b {dnn.mapping = #dnn.mapping<tile_m = 16,
          tile_n = 16, tile_k = 16, threads = 32, ctas = 132, ctas_per_sm = 1,
          waves = 1.0>}
          : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
      return %c : tensor<16x16xf32>
    }
  }
}

// -----

// 200 CTAs on 132 SMs are 1.5152 waves: a hand-written 1.52 is within the
// rounding tolerance (0.005) and kept as written.
// CHECK-LABEL: func.func @mapping_rounded_waves
// CHECK: dnn.matmul %{{.*}}, %{{.*}} {dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 32, threads = 128, ctas = 200, ctas_per_sm = 1, waves = 1.52>}
module attributes {dnn.target = #dnn.gpu<name = "h100-sxm", arch = "sm_90",
    sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048,
    max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448,
    smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0,
    fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_rounded_waves(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>)
      -> tensor<64x64xf32> {
    %c = dnn.matmul %a, %b {dnn.mapping = #dnn.mapping<tile_m = 64, tile_n = 64,
        tile_k = 32, threads = 128, ctas = 200, ctas_per_sm = 1, waves = 1.52>}
        : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    return %c : tensor<64x64xf32>
  }
}

// -----

// Without a target, a mapping is only checked on its own: the wave count
// is not compared with any grid.
// CHECK-LABEL: func.func @mapping_without_target
// CHECK: dnn.matmul %{{.*}}, %{{.*}} {dnn.mapping = #dnn.mapping<tile_m = 16, tile_n = 16, tile_k = 16, threads = 4096, ctas = 1, ctas_per_sm = 1, waves = 7.25>}
func.func @mapping_without_target(%a: tensor<16x16xf32>, %b: tensor<16x16xf32>)
    -> tensor<16x16xf32> {
  %c = dnn.matmul %a, %b {dnn.mapping = #dnn.mapping<tile_m = 16, tile_n = 16,
      tile_k = 16, threads = 4096, ctas = 1, ctas_per_sm = 1, waves = 7.25>}
      : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return %c : tensor<16x16xf32>
}
