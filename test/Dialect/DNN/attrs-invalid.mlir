// RUN: dnn-opt %s -split-input-file -verify-diagnostics

// Every diagnostic of #dnn.gpu and #dnn.mapping (GPUTargetAttr::verify,
// MappingAttr::verify, MappingAttr::verifyAgainst in DNNAttrs.cpp), of the
// dnn.* attributes on ops (DNNDialect::verifyOperationAttribute), and of
// parsing their parameters.

//===----------------------------------------------------------------------===//
// #dnn.gpu: GPUTargetAttr::verify
//===----------------------------------------------------------------------===//

// expected-error @+1 {{#dnn.gpu: name must not be empty}}
module attributes {dnn.target = #dnn.gpu<name = "", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_empty_name() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: arch 'compute_90' is not of the form sm_<major><minor> (e.g. sm_90)}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "compute_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_arch_prefix() {
    return
  }
}

// -----

// A single digit is no <major><minor>.
// expected-error @+1 {{#dnn.gpu: arch 'sm_9' is not of the form sm_<major><minor> (e.g. sm_90)}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_9", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_arch_digits() {
    return
  }
}

// -----

// Only the `a` suffix (sm_90a) is accepted.
// expected-error @+1 {{#dnn.gpu: arch 'sm_90x' is not of the form sm_<major><minor> (e.g. sm_90)}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90x", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_arch_suffix() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: arch 'sm_' is not of the form sm_<major><minor> (e.g. sm_90)}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_arch_empty() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: sms must be positive, got 0}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 0, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_sms_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: clock_mhz must be positive, got -1980}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = -1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_clock_mhz_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: max_threads_per_sm must be positive, got 0}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 0, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_max_threads_per_sm_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: max_blocks_per_sm must be positive, got 0}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 0, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_max_blocks_per_sm_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: max_threads_per_block must be positive, got 0}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4, max_threads_per_block = 0>} {
  func.func @gpu_max_threads_per_block_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: regs_per_sm must be positive, got -65536}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4, regs_per_sm = -65536>} {
  func.func @gpu_regs_per_sm_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: max_regs_per_thread must be positive, got 0}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4, max_regs_per_thread = 0>} {
  func.func @gpu_max_regs_per_thread_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: smem_per_sm must be positive, got 0}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 0, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_smem_per_sm_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: max_smem_per_block must be positive, got 0}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 0, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_max_smem_per_block_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: warp_size must be positive, got 0}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4, warp_size = 0>} {
  func.func @gpu_warp_size_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: l2_bytes must be positive, got -1}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = -1, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_l2_bytes_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: smem_reserved_per_block must not be negative, got -1024}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = -1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_negative_reserved_smem() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: warp_size must be a power of two, got 48}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 1536, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4, warp_size = 48>} {
  func.func @gpu_warp_size_power_of_two() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: max_threads_per_sm (2000) must be a multiple of warp_size (32)}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2000, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4, max_threads_per_block = 1000>} {
  func.func @gpu_threads_per_sm_warp_multiple() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: max_threads_per_block (2048) exceeds max_threads_per_sm (1536)}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 1536, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4, max_threads_per_block = 2048>} {
  func.func @gpu_threads_per_block() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: max_smem_per_block (233472) plus smem_reserved_per_block (1024) exceeds smem_per_sm (233472)}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 233472, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_smem_per_block() {
    return
  }
}

// -----

// Hostile: the sum overflows 64 bits (and wrapped around to a small
// negative number before).
// expected-error @+1 {{#dnn.gpu: max_smem_per_block (9223372036854775807) plus smem_reserved_per_block (1024) exceeds smem_per_sm (9223372036854775807)}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 9223372036854775807, max_smem_per_block = 9223372036854775807, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_smem_per_block_overflow() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: dram_gbps must be a positive finite number, got 0.000000e+00}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_dram_gbps_not_positive() {
    return
  }
}

// -----

// expected-error @+1 {{#dnn.gpu: fp32_tflops must be a positive finite number, got -6.690000e+01}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = -66.9, tc_tflops = 989.4>} {
  func.func @gpu_fp32_tflops_not_positive() {
    return
  }
}

// -----

// 1.0e400 reads as infinity.
// expected-error @+1 {{#dnn.gpu: tc_tflops must be a positive finite number, got INF}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 1.0e400>} {
  func.func @gpu_tc_tflops_not_positive() {
    return
  }
}

// -----

//===----------------------------------------------------------------------===//
// #dnn.gpu: parsing
//===----------------------------------------------------------------------===//

// expected-error @+1 {{struct is missing required parameter: sms}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_missing_parameter() {
    return
  }
}

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: tensor_cores}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4, tensor_cores = 528>} {
  func.func @gpu_unknown_parameter() {
    return
  }
}

// -----

// A parameter given twice.
// expected-error @+1 {{duplicate or unknown struct parameter name: sms}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4, sms = 64>} {
  func.func @gpu_duplicate_parameter() {
    return
  }
}

// -----

// expected-error @+2 {{expected a number, got "fast"}}
// expected-error @+1 {{failed to parse DNN_GPUTargetAttr parameter 'dram_gbps' which is to be a `::llvm::APFloat`}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = "fast", fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_float_not_number() {
    return
  }
}

// -----

// `true` is an integer attribute (i1), but not a number.
// expected-error @+2 {{expected a number, got true}}
// expected-error @+1 {{failed to parse DNN_GPUTargetAttr parameter 'fp32_tflops' which is to be a `::llvm::APFloat`}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = true, tc_tflops = 989.4>} {
  func.func @gpu_float_not_bool() {
    return
  }
}

// -----

// Integer parameters take no float literal.
// expected-error @+2 {{expected integer value}}
// expected-error @+1 {{failed to parse DNN_GPUTargetAttr parameter 'sms' which is to be a `int64_t`}}
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132.0, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @gpu_integer_parameter() {
    return
  }
}

// -----

//===----------------------------------------------------------------------===//
// #dnn.mapping: MappingAttr::verify
//===----------------------------------------------------------------------===//

func.func @mapping_tile_m_not_positive(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: tile_m must be positive, got 0}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 0, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_tile_n_not_positive(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: tile_n must be positive, got -128}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = -128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_tile_k_not_positive(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: tile_k must be positive, got 0}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 0, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_threads_not_positive(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: threads must be positive, got 0}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 0, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_split_k_not_positive(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: split_k must be positive, got 0}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0, split_k = 0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_ctas_not_positive(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: ctas must be positive, got 0}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 0, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_ctas_per_sm_not_positive(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: ctas_per_sm must be positive, got -1}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = -1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_negative_registers(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: regs_per_thread and smem_per_block must not be negative}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = -1, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_negative_smem(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: regs_per_thread and smem_per_block must not be negative}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = -32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

// Each of the split_k slices of the K loop has the same grid.
func.func @mapping_split_k(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: ctas (264) must be a multiple of split_k (5)}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0, split_k = 5>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_zero_waves(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: waves must be a positive finite number, got 0.000000e+00}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 0.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_infinite_waves(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{#dnn.mapping: waves must be a positive finite number, got INF}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 1.0e999>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_missing_parameter(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{struct is missing required parameter: waves}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_unknown_parameter(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{duplicate or unknown struct parameter name: cluster}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0, cluster = 2>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_waves_not_number(%a: tensor<16x16xf32>) {
  // expected-error @+2 {{expected a number, got "2"}}
  // expected-error @+1 {{failed to parse DNN_MappingAttr parameter 'waves' which is to be a `::llvm::APFloat`}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = "2">} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// #dnn.mapping: MappingAttr::verifyAgainst the module's #dnn.gpu
//===----------------------------------------------------------------------===//

module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_threads_per_block(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping uses 2048 threads per CTA, more than the 1024 allowed on h100}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 2048, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_threads_warp_multiple(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping uses 100 threads per CTA, not a multiple of the warp size 32}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 100, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_ctas_per_sm(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping puts 33 CTAs on an SM, more than the 32 resident blocks h100 allows}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 33, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_threads_per_sm(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping puts 4096 threads on an SM (16 CTAs x 256), more than the 2048 of h100}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, ctas = 264, ctas_per_sm = 16, waves = 0.125>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

// Hostile: 2^58 CTAs x 64 threads is 2^64, which wrapped around to 0 threads
// and passed before.
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 9223372036854775807, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_threads_per_sm_overflow(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping puts 18446744073709551616 threads on an SM (288230376151711744 CTAs x 64), more than the 2048 of h100}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 64, ctas = 264, ctas_per_sm = 288230376151711744, waves = 1.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_registers_per_thread(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping uses 256 registers per thread, more than the 255 allowed}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 256, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_registers_per_sm(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping needs 131072 registers per SM (4 CTAs x 256 threads x 128), more than the 65536 of h100}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, ctas = 264, ctas_per_sm = 4, waves = 0.5>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

// Hostile: 2^54 registers x 1024 threads is 2^64, which wrapped around to 0
// and passed before.
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, max_regs_per_thread = 9223372036854775807, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_registers_per_sm_overflow(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping needs 18446744073709551616 registers per SM (1 CTAs x 1024 threads x 18014398509481984), more than the 65536 of h100}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 1024, regs_per_thread = 18014398509481984, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_smem_per_block(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping uses 232449 bytes of shared memory per CTA, more than the 232448 allowed on h100}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 232449, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

// 2 x 116224 bytes would fit in 233472, but not with the 1024 bytes the
// driver reserves per CTA.
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_smem_per_sm(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping needs 234496 bytes of shared memory per SM, more than the 233472 of h100}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, smem_per_block = 116224, ctas = 264, ctas_per_sm = 2, waves = 1.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

// Hostile: (2^62 + 1024) bytes x 2 CTAs overflows 64 bits.
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 9223372036854775807, smem_per_sm = 9223372036854775807, max_smem_per_block = 9223372036854774783, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_smem_per_sm_overflow(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping needs 9223372036854777856 bytes of shared memory per SM, more than the 9223372036854775807 of h100}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 32, smem_per_block = 4611686018427387904, ctas = 264, ctas_per_sm = 2, waves = 1.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_waves(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping says 1.000000e+00 waves, but 264 CTAs at 1 per SM on 132 SMs make 2.000000e+00}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 1.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

// 200 / 132 = 1.5152 waves: 1.52 is within the rounding tolerance of 0.005,
// 1.51 is not.
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_waves_tolerance(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping says 1.510000e+00 waves, but 200 CTAs at 1 per SM on 132 SMs make 1.515152e+00}}
    %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 200, ctas_per_sm = 1, waves = 1.51>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
    return
  }
}

// -----

// The target of an enclosing module applies inside a nested module without
// one.
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  module {
    func.func @mapping_nested_module(%a: tensor<16x16xf32>) {
      // expected-error @+1 {{mapping says 1.000000e+00 waves, but 264 CTAs at 1 per SM on 132 SMs make 2.000000e+00}}
      %c = dnn.matmul %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 1.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
      return
    }
  }
}

// -----

// Checked on any op, not only dnn ones.
module attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  func.func @mapping_on_other_op(%a: tensor<16x16xf32>) {
    // expected-error @+1 {{mapping uses 2048 threads per CTA, more than the 1024 allowed on h100}}
    %c = arith.addf %a, %a {dnn.mapping = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 2048, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : tensor<16x16xf32>
    return
  }
}

// -----

//===----------------------------------------------------------------------===//
// dnn.* attributes on ops: DNNDialect::verifyOperationAttribute
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'dnn.target' may only be attached to a builtin.module}}
func.func @target_on_function() attributes {dnn.target = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} {
  return
}

// -----

// expected-error @+1 {{'dnn.target' must be a #dnn.gpu or #dnn.accel attribute, got "h100"}}
module attributes {dnn.target = "h100"} {
  func.func @target_not_gpu() {
    return
  }
}

// -----

// expected-error @+1 {{'dnn.target' must be a #dnn.gpu or #dnn.accel attribute, got #dnn.mapping<tile_m = 128,}}
module attributes {dnn.target = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} {
  func.func @target_is_mapping() {
    return
  }
}

// -----

func.func @mapping_not_mapping(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{'dnn.mapping' must be a #dnn.mapping attribute, got 2 : i64}}
  %c = dnn.matmul %a, %a {dnn.mapping = 2 : i64} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @mapping_is_gpu(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{'dnn.mapping' must be a #dnn.mapping attribute, got #dnn.gpu<name = "h100",}}
  %c = dnn.matmul %a, %a {dnn.mapping = #dnn.gpu<name = "h100", arch = "sm_90", sms = 132, clock_mhz = 1980, max_threads_per_sm = 2048, max_blocks_per_sm = 32, smem_per_sm = 233472, max_smem_per_block = 232448, smem_reserved_per_block = 1024, l2_bytes = 52428800, dram_gbps = 3350.0, fp32_tflops = 66.9, tc_tflops = 989.4>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

func.func @unknown_dnn_attribute(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{unknown dnn attribute 'dnn.mappings'}}
  %c = dnn.matmul %a, %a {dnn.mappings = #dnn.mapping<tile_m = 128, tile_n = 128, tile_k = 32, threads = 256, regs_per_thread = 128, smem_per_block = 32768, ctas = 264, ctas_per_sm = 1, waves = 2.0>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}

// -----

// expected-error @+1 {{unknown dnn attribute 'dnn.targets'}}
module attributes {dnn.targets = "h100"} {
  func.func @unknown_module_attribute() {
    return
  }
}

// -----

// dnn.launch (the launch a generated kernel records) is 4 positive integers.
func.func @bad_launch(%a: tensor<16x16xf32>) {
  // expected-error @+1 {{'dnn.launch' must be 4 positive integers (grid x, y, z, block x), got array<i64: 2, 2, 256>}}
  %c = dnn.matmul %a, %a {dnn.launch = array<i64: 2, 2, 256>} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return
}
